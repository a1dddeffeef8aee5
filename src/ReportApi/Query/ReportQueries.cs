using System.Buffers.Binary;
using System.Text.Json;
using Npgsql;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Query;

/// <summary>Reads reports for responders: pages, CSV streams, and one report with its chains and diagnosis.</summary>
internal sealed class ReportQueries(NpgsqlDataSource dataSource, DiagnosisService diagnosis, HostKeyHistory history) : IStoredVerdicts
{
    public async Task<ReportPage> PageAsync(ReportFilter filter, CancellationToken ct)
    {
        // One row more than the page says whether a next page exists, without a count(*).
        await using var command = ListCommand(dataSource, filter, filter.Limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<ReportSummary>(filter.Limit);
        var summaries = new ReportSummaryReader(reader);
        var more = false;
        while (await reader.ReadAsync(ct))
        {
            if (items.Count == filter.Limit)
            {
                more = true;
                break;
            }
            items.Add(summaries.Read());
        }
        var next = more ? new ReportCursor(items[^1].ReceivedAt, items[^1].Id).Encode() : null;
        return new ReportPage(items, next);
    }

    public async IAsyncEnumerable<ReportSummary> StreamAsync(ReportFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = ListCommand(dataSource, filter, limit: null);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var summaries = new ReportSummaryReader(reader);
        while (await reader.ReadAsync(ct)) yield return summaries.Read();
    }

    /// <summary>The list query of a validated filter (also run under EXPLAIN by ConsoleTimingTests).</summary>
    internal static NpgsqlCommand ListCommand(NpgsqlDataSource dataSource, ReportFilter f, int? limit)
    {
        var command = dataSource.CreateCommand();
        var where = new List<string> { QuerySql.FromFilter, QuerySql.ToFilter };
        command.Parameters.Arg("from", f.From).Arg("to", f.To);
        Filter(command, where, QuerySql.AppFilter, "app", f.App);
        Filter(command, where, QuerySql.VersionFilter, "version", f.Version);
        Filter(command, where, QuerySql.PlatformFilter, "platform", f.Platform);
        Filter(command, where, QuerySql.HostnameFilter, "hostname", f.Hostname);
        Filter(command, where, QuerySql.DiagnosisFilter, "diagnosis", f.Diagnosis);
        if (f.ValidationResult is { } vr)
        {
            where.Add(QuerySql.ValidationResultFilter);
            command.Parameters.Arg("validation_result", vr);
        }
        if (f.Cursor is { } cursor)
        {
            where.Add(QuerySql.CursorFilter);
            command.Parameters.Arg("cursor_time", cursor.ReceivedAt).Arg("cursor_id", cursor.Id);
        }
        command.CommandText = QuerySql.List(where, limit);
        return command;
    }

    private static void Filter(NpgsqlCommand command, List<string> where, string fragment, string name, string? value)
    {
        if (value is null) return;
        where.Add(fragment);
        command.Parameters.Arg(name, value);
    }

    public async Task<ReportDetails?> FindAsync(Guid id, CancellationToken ct) => (await FindStoredAsync(id, ct))?.Details;

    private async Task<StoredDiagnosis?> FindStoredAsync(Guid id, CancellationToken ct)
    {
        if (ReceivedAtOf(id) is not { } receivedAt) return null;
        await using var command = dataSource.CreateCommand(QuerySql.Details);
        command.Parameters.Arg("id", id).Arg("from", receivedAt).Arg("to", receivedAt.AddMilliseconds(1));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return Read(reader, new ReportSummaryReader(reader));
    }

    /// <summary>
    /// Stored reports of [from, to) after the keyset cursor, oldest first, each with its diagnosis recomputed now
    /// (<c>ReportApi rediagnose</c>).
    /// </summary>
    public async Task<StoredVerdict?> FindVerdictAsync(Guid id, CancellationToken ct) =>
        await FindStoredAsync(id, ct) is { } stored ? stored.ToVerdict() : null;

    public async Task<List<StoredVerdict>> RangeAsync(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset afterReceivedAt, Guid afterId, int limit, CancellationToken ct) =>
        [.. (await RangeStoredAsync(from, to, afterReceivedAt, afterId, limit, ct)).Select(s => s.ToVerdict())];

    private async Task<List<StoredDiagnosis>> RangeStoredAsync(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset afterReceivedAt, Guid afterId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(QuerySql.Range);
        command.Parameters.Arg("from", from).Arg("to", to).Arg("cursor_time", afterReceivedAt).Arg("cursor_id", afterId).Arg("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<StoredDiagnosis>(limit);
        var summaries = new ReportSummaryReader(reader);
        while (await reader.ReadAsync(ct)) items.Add(Read(reader, summaries));
        return items;
    }

    // Columns of QuerySql.Details / QuerySql.Range: the summary, then raw JSON, validated and served chain (by name).
    private StoredDiagnosis Read(NpgsqlDataReader reader, ReportSummaryReader summaries)
    {
        var summary = summaries.Read();
        var sha256Pins = reader.Get<string[]>("sha256pins").ToHashSet(StringComparer.Ordinal);
        var rawJson = reader.Get<string>("raw");
        var raw = JsonDocument.Parse(rawJson).RootElement.Clone();
        var validated = Certificates(reader.GetOrNull<string>("validated_certificates"));
        var served = reader.GetOrNull<string>("served_certificates") is { } servedJson ? Certificates(servedJson) : null;

        var chains = new List<ChainView> { new("validated", [.. validated.Select(c => CertificateView.From(c, sha256Pins))]) };
        if (served is not null) chains.Add(new("served", [.. served.Select(c => CertificateView.From(c, sha256Pins))]));

        // The explanation is recomputed from the stored chain: the same pure function that set the stored code.
        var validatedChain = ChainParser.Parse([.. validated.Select(c => c.Pem)]);
        var servedChain = served is null ? null : ChainParser.Parse([.. served.Select(c => c.Pem)]);
        var verdict = diagnosis.DiagnoseUncached(
            ToReport(summary, rawJson), validatedChain, servedChain, summary.ReceivedAt, history.Get(summary.NotedHostname));
        return new StoredDiagnosis(new ReportDetails(summary, raw, chains, DiagnosisView.From(verdict)), verdict, validatedChain, servedChain);
    }

    /// <summary>The receive time a UUIDv7 id was made from (millisecond precision); null for ids this service never issues.</summary>
    internal static DateTimeOffset? ReceivedAtOf(Guid id)
    {
        if (id.Version != 7) return null;
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var unixMs = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
        return DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
    }

    private static StoredCertificate[] Certificates(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize(json, DataJsonContext.Default.StoredCertificateArray) ?? [];

    internal static PinFailureReport ToReport(ReportSummary s, string rawJson) => new()
    {
        Dialect = s.Dialect switch { "trustkit-ios" => ReportDialect.TrustKitIos, "trustkit-android" => ReportDialect.TrustKitAndroid, _ => ReportDialect.Rfc7469 },
        Hostname = s.Hostname,
        NotedHostname = s.NotedHostname,
        ValidationResult = s.ValidationResult,
        EnforcePinning = s.EnforcePinning,
        IncludeSubdomains = s.IncludeSubdomains,
        AppBundleId = s.App,
        AppVersion = s.Version,
        AppPlatform = s.Platform,
        TrustKitVersion = s.TrustKitVersion,
        // Only whether the client sent an install id matters to the diagnosis (TrustKit 1.1.x sent none).
        AppVendorId = s.Device is null ? null : "(hashed)",
        // The parsed client time and its quality decide the instant validity is judged at (issue 13).
        ClientTime = s.ClientTime,
        ClientTimeQuality = ClientTimeQualityNames.FromWire(s.ClientTimeQuality),
        ValidatedChain = [],
        KnownPins = [.. s.KnownPins.Select(KnownPinParser.Parse)],
        RawJson = rawJson,
    };
}

/// <summary>A stored report with its diagnosis recomputed, and the parsed chains (for the key history).</summary>
internal sealed record StoredDiagnosis(ReportDetails Details, Domain.Diagnosis.Diagnosis Verdict, ParsedChain Validated, ParsedChain? Served)
{
    public StoredVerdict ToVerdict() =>
        new(Details.Report.Id, Details.Report.ReceivedAt, Details.Report.NotedHostname, Details.Report.Diagnosis, Verdict, Validated, Served);
}
