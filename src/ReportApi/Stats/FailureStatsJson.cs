using System.IO.Pipelines;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Npgsql;

namespace ReportApi.Stats;

/// <summary>
/// The 200 answer of <c>GET /v1/stats/failures</c>, streamed: the query runs when the result executes, and each group
/// is written with <see cref="Utf8JsonWriter"/> as it is read. The bytes are those the serialiser writes for
/// <see cref="FailureStats"/> with the web defaults (camelCase, nulls written); a test compares the two.
/// </summary>
internal sealed class FailureStatsResult(StatsRequest request, StatsStore store) : IResult, IEndpointMetadataProvider
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var sink = new FailureStatsJsonSink(response);
        await store.ReadFailuresAsync(request, sink, httpContext.RequestAborted);
    }

    /// <summary>OpenAPI: the schema is still <see cref="FailureStats"/>.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(FailureStats), ["application/json"]));
}

/// <summary>Writes the answer to the response body as JSON, handing it to the client between groups once 32 KB are pending.</summary>
internal sealed class FailureStatsJsonSink(HttpResponse response) : IFailureStatsSink
{
    private const int FlushAbove = 32 * 1024;
    private static readonly JsonEncodedText FromName = JsonEncodedText.Encode("from"), ToName = JsonEncodedText.Encode("to"),
        IntervalName = JsonEncodedText.Encode("interval"), GroupByName = JsonEncodedText.Encode("groupBy"),
        FiltersName = JsonEncodedText.Encode("filters"), SeriesName = JsonEncodedText.Encode("series"),
        KeyName = JsonEncodedText.Encode("key"), BucketsName = JsonEncodedText.Encode("buckets"),
        StartName = JsonEncodedText.Encode("start"), ReportsName = JsonEncodedText.Encode("reports"),
        DuplicatesName = JsonEncodedText.Encode("duplicates"), ReportsEnforcedName = JsonEncodedText.Encode("reportsEnforced"),
        ReportsReportOnlyName = JsonEncodedText.Encode("reportsReportOnly"), DevicesName = JsonEncodedText.Encode("devices"),
        DevicesEnforcedName = JsonEncodedText.Encode("devicesEnforced"), DevicesReportOnlyName = JsonEncodedText.Encode("devicesReportOnly"),
        ActiveDevicesName = JsonEncodedText.Encode("activeDevices"), FailureRateName = JsonEncodedText.Encode("failureRate"),
        RateKnownName = JsonEncodedText.Encode("rateKnown");

    private readonly PipeWriter body = response.BodyWriter;
    private Utf8JsonWriter? writer;

    private Utf8JsonWriter Writer => writer ?? throw new InvalidOperationException("Start was not called.");

    public void Start(StatsRequest request)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        writer = new Utf8JsonWriter(body, new JsonWriterOptions { SkipValidation = true });
        var w = writer;
        w.WriteStartObject();
        w.WriteString(FromName, request.From);
        w.WriteString(ToName, request.To);
        w.WriteString(IntervalName, request.Interval.Name);
        w.WriteStartArray(GroupByName);
        foreach (var d in request.GroupBy) w.WriteStringValue(d.Name);
        w.WriteEndArray();
        w.WriteStartObject(FiltersName);
        foreach (var (dimension, value) in request.Filters) w.WriteString(dimension.Name, value);
        w.WriteEndObject();
        w.WriteStartArray(SeriesName);
    }

    public void BeginSeries(StatsRequest request, string?[] key)
    {
        var w = Writer;
        w.WriteStartObject();
        w.WriteStartObject(KeyName);
        for (var i = 0; i < key.Length; i++) w.WriteString(request.GroupBy[i].Name, key[i]);
        w.WriteEndObject();
        w.WriteStartArray(BucketsName);
    }

    public void Bucket(in BucketValues b)
    {
        var w = Writer;
        w.WriteStartObject();
        w.WriteString(StartName, b.Start);
        w.WriteNumber(ReportsName, b.Reports);
        w.WriteNumber(DuplicatesName, b.Duplicates);
        w.WriteNumber(ReportsEnforcedName, b.ReportsEnforced);
        w.WriteNumber(ReportsReportOnlyName, b.ReportsReportOnly);
        w.WriteNumber(DevicesName, b.Devices);
        w.WriteNumber(DevicesEnforcedName, b.DevicesEnforced);
        w.WriteNumber(DevicesReportOnlyName, b.DevicesReportOnly);
        if (b.RateKnown)
        {
            w.WriteNumber(ActiveDevicesName, b.ActiveDevices!.Value);
            w.WriteNumber(FailureRateName, b.FailureRate!.Value);
        }
        else
        {
            w.WriteNull(ActiveDevicesName);
            w.WriteNull(FailureRateName);
        }
        w.WriteBoolean(RateKnownName, b.RateKnown);
        w.WriteEndObject();
    }

    public void EndSeries()
    {
        Writer.WriteEndArray();
        Writer.WriteEndObject();
    }

    public void End()
    {
        Writer.WriteEndArray();
        Writer.WriteEndObject();
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (writer is null || (writer.BytesPending < FlushAbove && writer.CurrentDepth > 0)) return;
        writer.Flush();
        await body.FlushAsync(ct);
        if (writer.CurrentDepth == 0) await writer.DisposeAsync();
    }
}

/// <summary>The answer as objects, for the responder console's pages (small ranges; they render it as HTML).</summary>
internal sealed class FailureStatsObjectSink : IFailureStatsSink
{
    private readonly List<FailureSeries> series = [];
    private List<FailureBucket>? buckets;
    private StatsRequest? request;

    public FailureStats Result => new(
        request!.From, request.To, request.Interval.Name, [.. request.GroupBy.Select(d => d.Name)],
        request.Filters.ToDictionary(f => f.Key.Name, f => f.Value), series);

    public void Start(StatsRequest request) => this.request = request;

    public void BeginSeries(StatsRequest request, string?[] key)
    {
        buckets = [];
        series.Add(new FailureSeries(request.GroupBy.Select((d, i) => (d.Name, key[i])).ToDictionary(p => p.Name, p => p.Item2), buckets));
    }

    public void Bucket(in BucketValues b) => buckets!.Add(new FailureBucket(
        b.Start, b.Reports, b.Duplicates, b.ReportsEnforced, b.ReportsReportOnly, b.Devices, b.DevicesEnforced, b.DevicesReportOnly,
        b.RateKnown ? b.ActiveDevices : null, b.FailureRate, b.RateKnown));

    public void EndSeries() => buckets = null;

    public void End()
    {
    }

    public ValueTask FlushAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
