using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class ServerRotationTests
{
    private static readonly DiagnosisContext History = new()
    {
        SeenKeys = new Dictionary<string, SeenKey>
        {
            [TestPki.SpkiPin(IntermediateA1)] = new(KeyRole.Intermediate, IntermediateA1.Subject, RootA.Subject),
            [TestPki.SpkiPin(Leaf)] = new(KeyRole.Leaf, Leaf.Subject, IntermediateA1.Subject),
        },
    };

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Rotated_intermediate_under_the_same_root_names_the_new_intermediate(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [LeafUnderA2, IntermediateA2, RootA], [Reports.Pin(IntermediateA1), Reports.UnrelatedPin("backup")]);

        var diagnosis = Reports.Diagnose(report, History);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Equal("server-rotation", diagnosis.CodeWire);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Equal(IntermediateA2.Subject, diagnosis.ChangedSubject);
        Assert.Equal(RootA.Subject, diagnosis.ChangedIssuer);
        Assert.Equal(TestPki.SpkiPin(IntermediateA2), diagnosis.ChangedSpki);
        Assert.True(diagnosis.ChainTrusted);
        Assert.True(diagnosis.HostnameMatches);
        Assert.False(diagnosis.Expired);
        Assert.False(diagnosis.PinMatched);
        Assert.Contains("The CA rotated its intermediate under the same root", diagnosis.Explanation);
        Assert.Contains($"'{IntermediateA2.Subject}' (issuer '{RootA.Subject}', SPKI {TestPki.SpkiPin(IntermediateA2)})", diagnosis.Explanation);
        Assert.Contains($"the pinned intermediate '{IntermediateA1.Subject}' (SPKI {TestPki.SpkiPin(IntermediateA1)}) was replaced by", diagnosis.Explanation);
        Assert.Contains("Pin the new intermediate or the root", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void New_leaf_key_under_the_same_intermediate_names_the_leaf(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("leaf-backup")]);

        var diagnosis = Reports.Diagnose(report, History);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Equal(0, diagnosis.ChangedPosition);
        Assert.Equal(RekeyedLeaf.Subject, diagnosis.ChangedSubject);
        Assert.Equal(IntermediateA1.Subject, diagnosis.ChangedIssuer);
        Assert.Equal(TestPki.SpkiPin(RekeyedLeaf), diagnosis.ChangedSpki);
        Assert.Contains("The leaf key changed under the same intermediate", diagnosis.Explanation);
        Assert.Contains($"SPKI {TestPki.SpkiPin(RekeyedLeaf)}", diagnosis.Explanation);
        Assert.Contains($"replaced the pinned leaf key {TestPki.SpkiPin(Leaf)}", diagnosis.Explanation);
        Assert.Contains("Ship the backup pin or roll back the key", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Switch_to_the_backup_ca_names_the_new_root_without_any_history(ReportDialect dialect)
    {
        // The pinned root A is one of the operator's roots, so its role is known without earlier chains.
        var report = Reports.For(dialect, [LeafUnderB, IntermediateB, RootB], [Reports.Pin(RootA), Reports.Pin(IntermediateA1)]);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Equal(2, diagnosis.ChangedPosition);
        Assert.Equal(RootB.Subject, diagnosis.ChangedSubject);
        Assert.Equal(TestPki.SpkiPin(RootB), diagnosis.ChangedSpki);
        Assert.Contains("The whole chain moved to another CA", diagnosis.Explanation);
        Assert.Contains($"the root at position 2 '{RootB.Subject}'", diagnosis.Explanation);
        Assert.Contains($"pins the root '{RootA.Subject}' (SPKI {TestPki.SpkiPin(RootA)})", diagnosis.Explanation);
        Assert.Contains("the operator roots (Diagnosis:TrustedRootsFile)", diagnosis.Explanation);
    }

    [Fact]
    public void Pinned_leaf_and_intermediate_both_gone_means_the_intermediate_rotated()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [LeafUnderA2, IntermediateA2, RootA], [Reports.Pin(Leaf), Reports.Pin(IntermediateA1)]);

        // LeafUnderA2 reuses the leaf key, so pin the leaf of a different key to keep "every pin absent".
        var rekeyed = Reports.For(ReportDialect.TrustKitIos, [TestPki.Leaf(Host, "leaf-3", IntermediateA2, "int-a2"), IntermediateA2, RootA],
            [Reports.Pin(Leaf), Reports.Pin(IntermediateA1)]);

        Assert.Equal(DiagnosisCode.Unknown, Reports.Diagnose(report, History).Code);
        var diagnosis = Reports.Diagnose(rekeyed, History);
        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Equal(IntermediateA2.Subject, diagnosis.ChangedSubject);
    }

    [Fact]
    public void Without_history_the_rotation_lists_every_key_instead_of_guessing()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("b")]);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Null(diagnosis.ChangedPosition);
        Assert.Null(diagnosis.ChangedSubject);
        Assert.Contains("cannot be told from this report alone", diagnosis.Explanation);
        Assert.Contains($"the leaf '{RekeyedLeaf.Subject}' (issuer '{IntermediateA1.Subject}', SPKI {TestPki.SpkiPin(RekeyedLeaf)})", diagnosis.Explanation);
        Assert.Contains($"the intermediate at position 1 '{IntermediateA1.Subject}'", diagnosis.Explanation);
        Assert.Contains($"the root at position 2 '{RootA.Subject}'", diagnosis.Explanation);
    }

    [Fact]
    public void Backup_pin_versions_from_the_context_appear_in_the_explanation()
    {
        var report = Reports.For(ReportDialect.TrustKitAndroid, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("c")]);
        var context = History with
        {
            VersionsPinningKey = new Dictionary<string, IReadOnlyList<string>>
            {
                [TestPki.SpkiPin(RekeyedLeaf)] = ["3.1", "3.2"],
                [TestPki.SpkiPin(Leaf)] = ["2.9", "3.1", "3.2"],
            },
        };

        var diagnosis = Reports.Diagnose(report, context);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Contains($"Versions 3.1, 3.2 pin the key of '{RekeyedLeaf.Subject}' (SPKI {TestPki.SpkiPin(RekeyedLeaf)}) and pass with this chain", diagnosis.Explanation);
        Assert.Contains("version 2.9 never pinned it and fails", diagnosis.Explanation);
    }

    [Fact]
    public void Context_without_any_version_pinning_the_chain_says_every_version_fails()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("d")]);
        var context = History with
        {
            VersionsPinningKey = new Dictionary<string, IReadOnlyList<string>> { [TestPki.SpkiPin(Leaf)] = ["2.9"] },
        };

        var diagnosis = Reports.Diagnose(report, context);

        Assert.Contains("No app version on record pins any key of this chain", diagnosis.Explanation);
    }

    [Fact]
    public void A_single_pin_gets_a_backup_pin_advice()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf)]);

        var diagnosis = Reports.Diagnose(report, History);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Contains("The app pins a single key: add a backup pin", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void A_pin_that_matches_a_chain_key_is_not_a_rotation(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [Leaf, IntermediateA1, RootA], [Reports.Pin(IntermediateA1), Reports.UnrelatedPin("e")]);

        var diagnosis = Reports.Diagnose(report, History);

        Assert.Equal(DiagnosisCode.Unknown, diagnosis.Code);
        Assert.True(diagnosis.PinMatched);
        Assert.True(diagnosis.ChainTrusted);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Contains($"Pin {TestPki.SpkiPin(IntermediateA1)}", diagnosis.Explanation);
        Assert.Contains("matches the intermediate at position 1", diagnosis.Explanation);
        Assert.Contains("before changing pins or certificates", diagnosis.Explanation);
    }

    [Fact]
    public void A_matching_pin_with_validation_result_2_points_at_the_device_os()
    {
        var report = Reports.For(ReportDialect.TrustKitAndroid, [Leaf, IntermediateA1, RootA], [Reports.Pin(RootA), Reports.Pin(Leaf)], validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.Unknown, diagnosis.Code);
        Assert.Contains($"an older OS missing the root '{RootA.Subject}'", diagnosis.Explanation);
    }

    [Fact]
    public void A_matching_pin_with_a_wrong_client_clock_mentions_the_clock()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("f")], validationResult: 2) with
        {
            ClientTime = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ClientTimeQuality = ClientTimeQuality.Utc,
        };

        var diagnosis = Reports.Diagnose(report);

        Assert.Contains("the client's clock said 2031-01-01 00:00:00 UTC, outside the leaf's validity", diagnosis.Explanation);
    }

    [Fact]
    public void A_leaf_named_after_a_proxy_vendor_is_not_interception()
    {
        var vendorSite = TestPki.Leaf("www.charlesproxy.com", "leaf-1", IntermediateA1, "int-a1", subject: "CN=Charles Proxy, O=XK72 Ltd");
        var report = Reports.For(ReportDialect.TrustKitIos, [vendorSite, IntermediateA1, RootA], [Reports.Pin(RootB), Reports.UnrelatedPin("g")], host: "www.charlesproxy.com");

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Null(diagnosis.InterceptionProduct);
    }
}
