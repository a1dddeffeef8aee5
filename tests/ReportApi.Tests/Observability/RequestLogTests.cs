using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Observability;

/// <summary>
/// A request's trace id appears in its structured log line, so a log line leads to its trace and back. Accepted
/// reports write no line at Information (an incident sends thousands a second); refused ones do.
/// </summary>
public sealed class RequestLogTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_log_line_is_json_and_carries_the_trace_id_of_the_request_and_accepted_reports_write_none()
    {
        await using var service = await ServiceProcess.StartAsync(await postgres.CreateDatabaseAsync(),
            new Dictionary<string, string?> { ["Serilog__MinimumLevel__Default"] = "Information" });
        var traceId = ActivityTraceId.CreateRandom().ToString();
        // No propagator: other tests' in-process telemetry listeners would otherwise replace our traceparent with theirs.
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = service.Address };
        var acceptedTraceId = ActivityTraceId.CreateRandom().ToString();
        using var accepted = new HttpRequestMessage(HttpMethod.Post, "/v1/reports")
        {
            Content = new StringContent(File.ReadAllText(ReportJson.SamplePath("trustkit-ios-docs-sample.json")), Encoding.UTF8, "application/json"),
        };
        accepted.Headers.Add("traceparent", $"00-{acceptedTraceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(accepted, Ct)).StatusCode);

        // A refused report (no hostname) is logged with its trace id.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports")
        {
            Content = new StringContent("""{"known-pins": []}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(request, Ct)).StatusCode);

        string? line = null;
        for (var i = 0; i < 50 && line is null; i++)
        {
            line = service.Output.FirstOrDefault(l => l.Contains("/v1/reports", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal));
            if (line is null) await Task.Delay(100, Ct);
        }
        Assert.True(line is not null, "no request log line with the trace id; stdout had:\n" + string.Join("\n", service.Output.TakeLast(10)));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(400, json.RootElement.GetProperty("StatusCode").GetInt32());
        Assert.Equal(traceId, json.RootElement.GetProperty("TraceId").GetString());
        // Lines are written in order: the accepted report, answered first, would be above the refused one.
        Assert.DoesNotContain(service.Output, l => l.Contains(acceptedTraceId, StringComparison.Ordinal));
    }
}
