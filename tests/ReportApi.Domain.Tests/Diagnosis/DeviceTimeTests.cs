using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

/// <summary>
/// Issue 13 / docs/decisions/0003-server-receive-time-is-the-time-axis.md: validity is judged at the device's time when it can be trusted (UTC dialects, not after
/// the receive time, within Diagnosis:ClientTimeMaxAge), else at the receive time; the evidence says which and why.
/// </summary>
public sealed class DeviceTimeTests
{
    // ExpiredLeaf expired 2025-05-30 08:15 UTC; reports are received at TestPki.Now = 2025-06-01 12:00 UTC.
    private static readonly DateTimeOffset ThreeDaysBefore = TestPki.Now.AddDays(-3);

    /// <summary>The client time as each dialect's parser classifies it: TrustKit-Android's is local time with a literal Z.</summary>
    private static PinFailureReport At(PinFailureReport report, DateTimeOffset clientTime) => report with
    {
        ClientTime = clientTime,
        ClientTimeQuality = report.Dialect == ReportDialect.TrustKitAndroid ? ClientTimeQuality.LocalWithLiteralZ : ClientTimeQuality.Utc,
    };

    [Theory]
    [InlineData(ReportDialect.TrustKitIos, true)]
    [InlineData(ReportDialect.Rfc7469, true)]
    [InlineData(ReportDialect.TrustKitAndroid, false)]
    public void A_late_upload_is_judged_at_the_devices_time_when_that_is_UTC(ReportDialect dialect, bool deviceTimeTrusted)
    {
        // Uploaded three days late: when the device failed, the leaf was still valid, and no key of it is pinned.
        var report = At(Reports.For(dialect, [ExpiredLeaf, IntermediateA1, RootA], [Reports.UnrelatedPin("a"), Reports.UnrelatedPin("b")]), ThreeDaysBefore);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(deviceTimeTrusted ? DiagnosisCode.ServerRotation : DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.Equal(deviceTimeTrusted, diagnosis.ValidityTime!.DeviceTime);
        Assert.Equal(deviceTimeTrusted ? ThreeDaysBefore : TestPki.Now, diagnosis.ValidityTime.At);
        Assert.Equal(deviceTimeTrusted ? "device" : "received", diagnosis.ValidityTime.Source);
        if (!deviceTimeTrusted)
        {
            Assert.Contains("literal Z", diagnosis.ValidityTime.Reason);
            Assert.Contains("before this report was received", diagnosis.Explanation);
        }
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos, true)]
    [InlineData(ReportDialect.Rfc7469, true)]
    [InlineData(ReportDialect.TrustKitAndroid, false)]
    public void A_leaf_valid_at_receipt_but_not_yet_at_the_devices_time_is_invalid_at_the_devices_time(ReportDialect dialect, bool deviceTimeTrusted)
    {
        var fresh = TestPki.Leaf(Host, "leaf-fresh", IntermediateA1, "int-a1", TestPki.Now.AddDays(-1), TestPki.Now.AddDays(89));
        var report = At(Reports.For(dialect, [fresh, IntermediateA1, RootA], [Reports.UnrelatedPin("a"), Reports.UnrelatedPin("b")]), TestPki.Now.AddDays(-2));

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(deviceTimeTrusted ? DiagnosisCode.CertificateInvalid : DiagnosisCode.ServerRotation, diagnosis.Code);
        if (deviceTimeTrusted) Assert.Contains("device time", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.Rfc7469)]
    public void A_device_time_after_the_receive_time_is_never_used(ReportDialect dialect)
    {
        var report = At(Reports.For(dialect, [ExpiredLeaf, IntermediateA1, RootA], [Reports.UnrelatedPin("a")]), TestPki.Now.AddMinutes(5));

        var diagnosis = Reports.Diagnose(report);

        Assert.False(diagnosis.ValidityTime!.DeviceTime);
        Assert.Contains("ahead", diagnosis.ValidityTime.Reason);
        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.Rfc7469)]
    public void A_device_time_older_than_the_bound_is_not_trusted_and_the_bound_is_configurable(ReportDialect dialect)
    {
        var report = At(Reports.For(dialect, [ExpiredLeaf, IntermediateA1, RootA], [Reports.UnrelatedPin("a")]), ThreeDaysBefore);

        var twoDays = Reports.Diagnose(report, new DiagnosisContext { ClientTimeMaxAge = TimeSpan.FromDays(2) });
        var off = Reports.Diagnose(report, new DiagnosisContext { ClientTimeMaxAge = TimeSpan.Zero });

        Assert.Equal(DiagnosisCode.CertificateInvalid, twoDays.Code);
        Assert.Contains("Diagnosis:ClientTimeMaxAge", twoDays.ValidityTime!.Reason);
        Assert.Equal(DiagnosisCode.CertificateInvalid, off.Code);
        Assert.False(off.ValidityTime!.DeviceTime);
    }

    [Fact]
    public void Android_local_time_is_never_trusted_even_when_it_looks_plausible()
    {
        var report = Reports.For(ReportDialect.TrustKitAndroid, [ExpiredLeaf, IntermediateA1, RootA], [Reports.UnrelatedPin("a")]) with
        {
            ClientTime = TestPki.Now.AddHours(-1),
            ClientTimeQuality = ClientTimeQuality.LocalWithLiteralZ,
        };

        var choice = ValidityTime.Choose(report, TestPki.Now, TimeSpan.FromDays(30));

        Assert.False(choice.DeviceTime);
        Assert.Equal(TestPki.Now, choice.At);
    }

    [Theory]
    [InlineData(ClientTimeQuality.Missing, "no date-time")]
    [InlineData(ClientTimeQuality.Unparseable, "does not parse")]
    public void Without_a_usable_date_time_the_receive_time_is_used_and_the_reason_says_why(ClientTimeQuality quality, string reason)
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], [Reports.UnrelatedPin("a")]) with { ClientTimeQuality = quality };

        var choice = ValidityTime.Choose(report, TestPki.Now, TimeSpan.FromDays(7));

        Assert.False(choice.DeviceTime);
        Assert.Contains(reason, choice.Reason);
    }

    [Theory]
    [InlineData(ClientTimeQuality.Utc, -3 * 24 * 60, 7)]
    [InlineData(ClientTimeQuality.Utc, 5, 7)]
    [InlineData(ClientTimeQuality.Utc, 0, 7)]
    [InlineData(ClientTimeQuality.Utc, -7 * 24 * 60, 7)]
    [InlineData(ClientTimeQuality.Utc, -7 * 24 * 60 - 1, 7)]
    [InlineData(ClientTimeQuality.Utc, -60, 0)]
    [InlineData(ClientTimeQuality.LocalWithLiteralZ, -60, 7)]
    [InlineData(ClientTimeQuality.Missing, -60, 7)]
    [InlineData(ClientTimeQuality.Unparseable, -60, 7)]
    public void The_cache_keys_instant_agrees_with_the_explained_choice(ClientTimeQuality quality, int minutes, int maxAgeDays)
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf], [Reports.UnrelatedPin("a")]) with
        {
            ClientTime = TestPki.Now.AddMinutes(minutes),
            ClientTimeQuality = quality,
        };

        var choice = ValidityTime.Choose(report, TestPki.Now, TimeSpan.FromDays(maxAgeDays));
        var instant = ValidityTime.Instant(report, TestPki.Now, TimeSpan.FromDays(maxAgeDays));

        Assert.Equal((choice.At, choice.DeviceTime), instant);
    }
}
