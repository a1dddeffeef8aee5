using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Diagnosis;

/// <summary>The writer's side of the key history adds a statement only for host chains it has not recorded lately.</summary>
public sealed class HostKeyRowsTests
{
    [Fact]
    public void A_chain_is_written_once_then_skipped_until_its_refresh_and_its_keys_reach_the_cached_history()
    {
        var pki = LivePki.Create("rows.example", "rows");
        var chain = ChainParser.Parse([.. pki.Chain.Select(c => c.ExportCertificatePem())]);
        var now = DateTimeOffset.UtcNow;
        var anchors = TrustAnchors.FromCertificates([pki.Root], useSystemStore: false);
        var path = anchors.Verify(pki.Leaf, [pki.Intermediate], now).Path;
        using var dataSource = NpgsqlDataSource.Create("Host=unused.invalid");
        var history = new HostKeyHistory(dataSource, Options.Create(new DiagnosisOptions()), NullLogger<HostKeyHistory>.Instance);
        var rows = new HostKeyRows();
        HostKeyRows.Seen[] batch = [new("rows.example", chain, null, path, now), new("rows.example", chain, null, path, now)];

        var first = rows.Collect(batch, now);
        Assert.NotNull(first);
        // One row per key, even when the batch carries the chain twice (ON CONFLICT cannot touch a row twice).
        Assert.Equal(3, ((string[])first.Command.Parameters[1].Value!).Length);
        Assert.Equal(["intermediate", "leaf", "root"], ((string[])first.Command.Parameters[2].Value!).Order());
        Assert.Null(((byte[]?[])first.Command.Parameters[6].Value!)[Array.IndexOf((string[])first.Command.Parameters[2].Value!, "leaf")]);
        rows.Committed(first, now, history);

        Assert.Null(rows.Collect(batch, now.AddMinutes(59)));
        Assert.NotNull(rows.Collect(batch, now.AddMinutes(61)));
        Assert.Null(rows.Collect(new HostKeyRows.Seen[] { new("rows.example", chain, null, null, now) }, now)); // not the host's own chain
    }

    [Fact]
    public void History_version_follows_the_set_of_keys_not_how_it_was_obtained()
    {
        var a = new SeenKey(KeyRole.Intermediate, "CN=A", "CN=Root");
        var b = new SeenKey(KeyRole.Leaf, "CN=host", "CN=A");
        var pinA = TestPki.SpkiPin(LivePki.Create("v.example", "va").Intermediate);
        var pinB = TestPki.SpkiPin(LivePki.Create("v.example", "vb").Leaf);

        var loaded = HostKeys.Create(new Dictionary<string, SeenKey> { [pinA] = a, [pinB] = b });
        var merged = HostKeys.Create(new Dictionary<string, SeenKey> { [pinA] = a }).With([new(pinB, b)]);

        Assert.Equal(loaded.Version, merged.Version);
        Assert.NotEqual(loaded.Version, HostKeys.Create(new Dictionary<string, SeenKey> { [pinA] = a }).Version);
        Assert.NotEqual(0, HostKeys.Create(new Dictionary<string, SeenKey> { [pinA] = a }).Version);
        Assert.Equal(0, HostKeys.Empty.Version);
    }
}
