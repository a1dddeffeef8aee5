using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Observability;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Ingestion;

/// <summary>
/// The per-hour caps on new failure series (issue #22) around <see cref="IngestSql.InsertSeries"/>: runs it, and when a
/// cap bites counts it (<c>pinreports.series.capped</c>) and logs it, at most once a minute per replica so a flood does
/// not flood the log too.
/// </summary>
internal sealed partial class SeriesCaps(IOptions<IngestOptions> options, TimeProvider time, ILogger<SeriesCaps> logger)
{
    /// <summary>The overflow component: a refused series' reports are counted under version (and host) '(other)'.</summary>
    public const string Overflow = "(other)";

    /// <summary>The overflow series' key after its app: every other component folded.</summary>
    public const string OverflowRest = "'(other)', '', '(other)', '(other)', 'unknown', -1::smallint";

    private long _lastLogTicks;

    /// <summary>
    /// The series of staged row <c>s</c>, as <c>f.id</c>: its own, else its app's overflow series, else the global one.
    /// COALESCE evaluates only the lookups it needs, so a known series costs one index probe as before.
    /// </summary>
    public static string SeriesJoin(string seriesKey) => $"""
        CROSS JOIN LATERAL (SELECT coalesce(
            (SELECT x.id FROM failure_series x
             WHERE (x.app, x.version, x.platform, x.noted_hostname, x.hostname, x.diagnosis, x.enforce) = ({seriesKey})),
            (SELECT x.id FROM failure_series x
             WHERE (x.app, x.version, x.platform, x.noted_hostname, x.hostname, x.diagnosis, x.enforce) = (coalesce(s.app_bundle_id, ''), {OverflowRest})),
            (SELECT x.id FROM failure_series x
             WHERE (x.app, x.version, x.platform, x.noted_hostname, x.hostname, x.diagnosis, x.enforce) = ('{Overflow}', {OverflowRest}))) AS id
        ) f
        """;

    /// <summary>The parameters $1..$4 of <see cref="IngestSql.InsertSeries"/>: the batch's time and the three caps.</summary>
    public void AddParameters(NpgsqlParameterCollection parameters, DateTimeOffset now)
    {
        var o = options.Value;
        parameters.Arg(now).Arg(o.MaxNewSeriesPerAppPerHour).Arg(o.MaxNewSeriesPerHostPerHour).Arg(o.MaxNewSeriesPerHour);
    }

    /// <summary>What <see cref="IngestSql.InsertSeries"/> refused, by cap: counted, and logged at most once a minute.</summary>
    public void Observe(long app, long host, long total)
    {
        if (app + host + total == 0) return;
        var o = options.Value;
        if (app > 0) ReportApiTelemetry.SeriesCapped("app", app);
        if (host > 0) ReportApiTelemetry.SeriesCapped("host", host);
        if (total > 0) ReportApiTelemetry.SeriesCapped("total", total);
        var nowTicks = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastLogTicks);
        if (nowTicks - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _lastLogTicks, nowTicks, last) == last)
        {
            LogCapped(app, host, total, o.MaxNewSeriesPerAppPerHour, o.MaxNewSeriesPerHostPerHour, o.MaxNewSeriesPerHour);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "New-series cap reached: {App} refused by the per-app cap ({AppCap}/h), {Host} by the per-host cap " +
        "({HostCap}/h), {Total} by the total cap ({TotalCap}/h); their reports are stored and counted under version '(other)', not alerted on. " +
        "A flood of junk versions or hosts looks like this; GET /v1/scope/rejections and Ingest:Scope stop it at the door.")]
    private partial void LogCapped(long app, long host, long total, int appCap, int hostCap, int totalCap);
}
