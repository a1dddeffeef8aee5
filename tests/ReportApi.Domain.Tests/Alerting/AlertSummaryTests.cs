using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;
using static ReportApi.Domain.Tests.Alerting.Observations;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class AlertSummaryTests
{
    private static readonly DetectorOptions Defaults = new();

    [Fact]
    public void First_line_names_the_cause_the_share_and_the_new_intermediate()
    {
        var pending = SpikeDetector.Evaluate(Rotation(140), null, Minute(0), Defaults);
        var fired = SpikeDetector.Evaluate(Rotation(412), pending.State, Minute(1), Defaults);

        var summary = fired.Summary!;
        Assert.Equal(
            "server-rotation on api.example.com in com.example.bank 3.2.1: 412 devices (5.2% of 3.2.1) fail since 09:01 UTC — new "
            + "intermediate 'CN=Issuing CA 2' (SPKI q2dTo4QX0Yh+pIuxjGdCLMZ6aYX5Z1nqbYbI4Xn1Nk8=) not pinned",
            summary.Headline);
        Assert.Equal(DiagnosisCode.ServerRotation, summary.Cause);
        Assert.Equal(Series, summary.Series);
        var lines = summary.Text.Split('\n');
        Assert.Equal(summary.Headline, lines[0]);
        Assert.Contains("Window 412 devices against a baseline median of 2 (MAD 1, 21 comparable windows); rule Devices.", lines);
        Assert.Contains("Diagnoses: server-rotation 409, interception-suspected 3", lines);
        Assert.Contains("Versions: com.example.bank 3.2.1 412 (5.2%)", lines);
        Assert.Contains(lines, l => l.StartsWith("Action: Our chain changed under the pins: ship an app release with the backup pin", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_series_shares_the_biggest_failing_version()
    {
        var observation = Rotation(300) with
        {
            Series = SeriesKey.ForHost("api.example.com"),
            ActiveDevices = null,
            TopVersions = [new VersionDevices("com.example.bank", "3.2.1", 280, 8_000), new VersionDevices("com.example.bank", "3.2.0", 20, 25_000)],
        };
        var state = new AlertState(observation.Series, AlertStatus.Firing, Minute(0), Minute(1), 300, 300, 8, 2, 0,
            DiagnosisCode.ServerRotation, Minute(1));

        var summary = AlertSummary.Build(observation, state, SpikeAssessment.Assess(observation, Defaults));

        // The share is of the population the host series covers (both failing versions), not of its biggest version.
        Assert.StartsWith("server-rotation on api.example.com: 300 devices (0.9% of the 33000 active devices of its 2 failing versions) fail since 09:01 UTC", summary.Headline);
        Assert.Contains("Versions: com.example.bank 3.2.1 280 (3.5%), com.example.bank 3.2.0 20 (0.1%)", summary.Text);
    }

    [Fact]
    public void Host_series_shows_no_share_when_its_versions_do_not_hold_every_failing_device()
    {
        // 1695 devices on the host, 1360 of them in 3.2.1 (the only version with known activity among the top three):
        // "70.8% of 3.2.1" would not add up, so the headline gives the count alone.
        var observation = Rotation(1695) with
        {
            Series = SeriesKey.ForHost("api.example.com"),
            ActiveDevices = null,
            TopVersions = [new VersionDevices("com.example.bank", "3.2.1", 1360, 1921), new VersionDevices("com.example.bank", "3.2.0", 200)],
        };
        var state = new AlertState(observation.Series, AlertStatus.Firing, Minute(0), Minute(1), 1695, 1695, 8, 2, 0,
            DiagnosisCode.ServerRotation, Minute(1));

        var summary = AlertSummary.Build(observation, state, SpikeAssessment.Assess(observation, Defaults));

        Assert.StartsWith("server-rotation on api.example.com: 1695 devices fail since 09:01 UTC", summary.Headline);
        Assert.Null(SeriesShare.Of(SeriesLevel.Host, null, 1695, null, observation.TopVersions));
        Assert.Equal(1360.0 / 1921, SeriesShare.Of(SeriesLevel.Host, null, 1360, null, [observation.TopVersions![0]])!.Value);
        Assert.Equal(new DateTimeOffset(2025, 6, 10, 9, 1, 0, TimeSpan.Zero), SeriesShare.FirstFailingMinute(Minute(0)));
    }

    [Fact]
    public void Interception_names_the_presenting_ca_and_advises_no_server_action()
    {
        var observation = new SeriesObservation(SeriesKey.ForHost("api.example.com"), 60, new int[21], null,
            new Dictionary<DiagnosisCode, int> { [DiagnosisCode.InterceptionSuspected] = 58, [DiagnosisCode.Unknown] = 2 },
            new FailingChain(KeyRole.Root, "CN=Contoso Inspection CA", "CN=Contoso Inspection CA", "Vjs8", 58));

        var fired = SpikeDetector.Evaluate(observation, null, T0, Defaults with { PendingEvaluations = 1 });

        Assert.Equal("interception-suspected on api.example.com: 60 devices fail since 09:01 UTC — chain presented by "
            + "'CN=Contoso Inspection CA' (issuer 'CN=Contoso Inspection CA', SPKI Vjs8), not our CA", fired.Summary!.Headline);
        Assert.Contains("no server action", fired.Summary.Action);
    }

    [Fact]
    public void Without_context_the_headline_still_reads()
    {
        var fired = SpikeDetector.Evaluate(new SeriesObservation(SeriesKey.ForVersion("com.app", "1.0"), 80, []), null, T0,
            Defaults with { PendingEvaluations = 1 });

        Assert.Equal("pin failures in com.app 1.0: 80 devices fail since 09:01 UTC", fired.Summary!.Headline);
        Assert.Contains("inspect recent reports", fired.Summary.Action);
    }

    [Theory]
    [InlineData(DiagnosisCode.ServerRotation, "backup pin")]
    [InlineData(DiagnosisCode.InterceptionSuspected, "corporate proxies")]
    [InlineData(DiagnosisCode.CertificateInvalid, "renew the certificate")]
    [InlineData(DiagnosisCode.ClientConfigError, "fix the pins in the app")]
    [InlineData(DiagnosisCode.Unknown, "inspect recent reports")]
    public void Suggested_action_follows_the_dominant_diagnosis(DiagnosisCode code, string expected)
    {
        Assert.Contains(expected, SuggestedAction.For(code));
    }
}
