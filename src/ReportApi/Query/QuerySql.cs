using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Query;

/// <summary>The query API's SQL. Filters are whitelisted fragments; every value is a parameter.</summary>
internal static class QuerySql
{
    public const string SummaryColumns = """
        r.id, r.received_at, r.dialect, r.app_bundle_id, r.app_version, r.app_platform, r.app_platform_version,
        r.trust_kit_version, r.hostname, r.noted_hostname, r.port, r.include_subdomains, r.enforce_pinning,
        r.validation_result, r.diagnosis, r.device_hash, r.date_time_raw, r.client_time, r.client_time_quality,
        r.known_pins_expiration_date, p.pins, p.sha256pins, c.leaf_subject, c.leaf_issuer, c.leaf_spki_sha256, r.authenticated
        """;

    private const string SummaryFrom = """
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        """;

    /// <summary>Newest first, keyset-paginated on (received_at, id); partition pruning comes from the time range.</summary>
    public static NpgsqlCommand List(NpgsqlDataSource dataSource, ReportFilter f, int? limit)
    {
        var command = dataSource.CreateCommand();
        var where = new List<string> { "r.received_at >= @from", "r.received_at < @to" };
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = f.From });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = f.To });
        Add(command, where, "r.app_bundle_id = @app", "app", f.App);
        Add(command, where, "r.app_version = @version", "version", f.Version);
        Add(command, where, "r.app_platform = @platform", "platform", f.Platform);
        Add(command, where, "(r.hostname = @hostname OR r.noted_hostname = @hostname)", "hostname", f.Hostname);
        Add(command, where, "r.diagnosis = @diagnosis", "diagnosis", f.Diagnosis);
        if (f.ValidationResult is { } vr)
        {
            where.Add("r.validation_result = @validation_result");
            command.Parameters.Add(new NpgsqlParameter("validation_result", NpgsqlDbType.Integer) { Value = vr });
        }
        if (f.Cursor is { } cursor)
        {
            where.Add("(r.received_at, r.id) < (@cursor_time, @cursor_id)");
            command.Parameters.Add(new NpgsqlParameter("cursor_time", NpgsqlDbType.TimestampTz) { Value = cursor.ReceivedAt });
            command.Parameters.Add(new NpgsqlParameter("cursor_id", NpgsqlDbType.Uuid) { Value = cursor.Id });
        }
        command.CommandText = $"SELECT {SummaryColumns}\n{SummaryFrom}\nWHERE {string.Join(" AND ", where)}\nORDER BY r.received_at DESC, r.id DESC"
            + (limit is { } l ? $"\nLIMIT {l}" : "");
        return command;
    }

    /// <summary>One report by id; the id's UUIDv7 timestamp bounds received_at, so only one partition is read.</summary>
    public const string Details = $"""
        SELECT {SummaryColumns}, r.raw::text, vc.certificates::text, sc.certificates::text
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains vc ON vc.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains sc ON sc.fingerprint = r.served_chain_fingerprint
        WHERE r.id = @id AND r.received_at >= @from AND r.received_at < @to
        """;

    /// <summary>A range of reports oldest first after a keyset cursor, with the columns of <see cref="Details"/> (rediagnose).</summary>
    public const string Range = $"""
        SELECT {SummaryColumns}, r.raw::text, vc.certificates::text, sc.certificates::text
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains vc ON vc.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains sc ON sc.fingerprint = r.served_chain_fingerprint
        WHERE r.received_at >= @from AND r.received_at < @to AND (r.received_at, r.id) > (@cursor_time, @cursor_id)
        ORDER BY r.received_at, r.id
        LIMIT @limit
        """;

    private static void Add(NpgsqlCommand command, List<string> where, string fragment, string name, string? value)
    {
        if (value is null) return;
        where.Add(fragment);
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value });
    }
}
