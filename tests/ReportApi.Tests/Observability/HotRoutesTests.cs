using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Instrumentation.AspNetCore;
using ReportApi.Observability;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Observability;

/// <summary>
/// Observability imports no feature (issue #18): ingest and the advisory register themselves as hot routes, and the
/// writer its batch statement. With a sample ratio of 0 their spans are dropped and every other route's kept.
/// </summary>
public sealed class HotRoutesTests(PostgresFixture postgres)
{
    [Fact]
    public async Task The_features_register_the_hot_routes_the_trace_filter_samples()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Telemetry:IngestTraceSampleRatio"] = "0" });
        var filter = app.Services.GetRequiredService<IOptionsMonitor<AspNetCoreTraceInstrumentationOptions>>().Get(Options.DefaultName).Filter;
        Assert.NotNull(filter);

        Assert.False(filter(Request("POST", "/v1/reports")));
        Assert.False(filter(Request("GET", "/v1/advisory")));
        Assert.True(filter(Request("GET", "/v1/reports")));
        Assert.True(filter(Request("GET", "/v1/pins")));
        Assert.True(filter(Request("POST", "/v1/preflight")));

        var hot = app.Services.GetRequiredService<HotRoutes>();
        Assert.True(hot.IsHot(Request("POST", "/v1/reports")));
        Assert.False(hot.IsHot(Request("GET", "/v1/stats/failures")));
    }

    [Fact]
    public async Task Only_the_writers_batch_is_sampled()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Telemetry:IngestTraceSampleRatio"] = "0" });
        var hot = app.Services.GetRequiredService<HotRoutes>();

        using var writer = new NpgsqlBatch { BatchCommands = { new NpgsqlBatchCommand("SELECT 1"), new NpgsqlBatchCommand(ReportApi.Ingestion.IngestSql.InsertFresh) } };
        using var other = new NpgsqlBatch { BatchCommands = { new NpgsqlBatchCommand("SELECT 1") } };
        // The same text in another string instance is not the writer's statement: the filter compares references, as it costs nothing.
        using var copy = new NpgsqlBatch { BatchCommands = { new NpgsqlBatchCommand(new string(ReportApi.Ingestion.IngestSql.InsertFresh.AsSpan())) } };

        Assert.False(IngestTraceSampling.TraceBatch(writer, 0, hot));
        Assert.True(IngestTraceSampling.TraceBatch(other, 0, hot));
        Assert.True(IngestTraceSampling.TraceBatch(copy, 0, hot));
        Assert.True(IngestTraceSampling.TraceBatch(writer, 1, hot));
    }

    private static DefaultHttpContext Request(string method, string path)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        return http;
    }
}
