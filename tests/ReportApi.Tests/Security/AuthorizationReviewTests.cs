using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>
/// The role matrix, checked over the whole route table: every endpoint is either on the short public list or denies
/// requests without a key and with a bad key, and each role (reader, responder, admin) reaches exactly the endpoints
/// its rank allows. New endpoints are found from the route table, so one cannot be forgotten.
/// </summary>
public sealed class AuthorizationReviewTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// What may be reached without a key, and why: apps post reports; probes and scrapers; API docs; and the update
    /// advisory (issue 15), which apps call at start, before and without any key, over a connection that does not pin this
    /// host: it reveals only an answer for the app version asked about, and unknown apps look like unknown versions.
    /// </summary>
    private static readonly HashSet<string> Public = new(StringComparer.OrdinalIgnoreCase)
    {
        "POST /v1/reports", "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi/{documentName}.json", "GET /v1/advisory", "GET /runbook",
    };

    /// <summary>The interactive docs page and its static assets (the OpenAPI document it shows is public too).</summary>
    private static bool IsDocs(string name) => name.Equals("GET /docs", StringComparison.OrdinalIgnoreCase) || name.StartsWith("GET /docs/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The responder console: its sign-in page is public; every other page needs the console's cookie session, which no
    /// bearer key gives, so without one it redirects to sign-in.
    /// </summary>
    private static bool IsConsoleSignIn(string name) => name is "GET /console/sign-in" or "POST /console/sign-in";

    private static bool IsConsole(string name) => name.Contains(" /console", StringComparison.Ordinal);

    /// <summary>Roles by rank: each may do what the ones before it may.</summary>
    private static readonly string[] Ranks = ["reader", "responder", "admin"];

    /// <summary>Endpoints that need more than reading, with the lowest role allowed; every other one needs <c>reader</c>.</summary>
    private static readonly Dictionary<string, string> MinimumRole = new(StringComparer.OrdinalIgnoreCase)
    {
        ["POST /v1/alerts/{id}/acknowledge"] = "responder",
        ["POST /v1/activity"] = "admin",
        ["DELETE /v1/devices/{vendorId}"] = "admin",
        ["PUT /v1/hosts/{hostname}/chains/live"] = "admin",
        ["PUT /v1/hosts/{hostname}/chains/planned"] = "admin",
        ["DELETE /v1/hosts/{hostname}/chains/planned"] = "admin",
        ["POST /v1/alerts/backtest"] = "admin",
    };

    [Fact]
    public async Task Every_endpoint_is_public_or_denies_without_a_key_and_each_role_reaches_exactly_its_rank()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Endpoint: e)))
            .ToList();
        Assert.Contains(endpoints, e => Name(e.Method, e.Endpoint) == "GET /v1/reports");
        Assert.All(MinimumRole.Keys, name => Assert.Contains(endpoints, e => Name(e.Method, e.Endpoint) == name));

        using var wrongKey = app.CreateClient("wrong-key-0123456789abcdef");
        var clients = new Dictionary<string, HttpClient> { ["reader"] = app.Reader, ["responder"] = app.CreateClient(TestApp.ResponderKey), ["admin"] = app.Admin };
        var checkedRoles = new HashSet<(string Role, bool Allowed)>();
        foreach (var (method, endpoint) in endpoints)
        {
            var name = Name(method, endpoint);
            if (Public.Contains(name) || IsDocs(name)) continue;
            Assert.True(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0, $"{name} has no authorization requirement");

            var path = Concrete(endpoint.RoutePattern.RawText!);
            if (IsConsoleSignIn(name)) continue;
            if (IsConsole(name))
            {
                foreach (var client in new[] { app.Client, wrongKey, app.Admin })
                {
                    // These clients follow redirects: the answer must come from the sign-in page.
                    var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);
                    Assert.True(response.RequestMessage!.RequestUri!.AbsolutePath == "/console/sign-in", $"{name}: {response.StatusCode} from {response.RequestMessage.RequestUri}");
                }
                continue;
            }
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct)).StatusCode);

            var minimum = Array.IndexOf(Ranks, MinimumRole.GetValueOrDefault(name, "reader"));
            foreach (var (role, client) in clients)
            {
                var allowed = Array.IndexOf(Ranks, role) >= minimum;
                var status = (await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct)).StatusCode;
                if (allowed)
                {
                    // Past authorization the handler judges the placeholder values (400, 404, ...): never a 401/403 or a 5xx.
                    Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500,
                        $"{role} on {name} got {(int)status}, expected to pass authorization");
                }
                else
                {
                    Assert.True(status == HttpStatusCode.Forbidden, $"{role} on {name} got {(int)status}, expected 403");
                }
                checkedRoles.Add((role, allowed));
            }
        }
        // The matrix exercised both sides of every role that has something it may not do.
        Assert.Contains(("reader", false), checkedRoles);
        Assert.Contains(("responder", false), checkedRoles);
        Assert.Contains(("responder", true), checkedRoles);
        Assert.Contains(("admin", true), checkedRoles);
    }

    [Fact]
    public async Task A_responder_acknowledges_a_firing_alert_that_a_reader_may_not()
    {
        await using var scenario = await ReportApi.Tests.Alerting.AlertScenario.StartAsync(postgres);
        var app = scenario.Service;
        var t = ReportApi.Tests.Alerting.AlertScenario.T;
        await scenario.PostSpikeAsync(t.AddMinutes(-1));
        await scenario.EvaluateAsync(t, t);
        await scenario.EvaluateAsync(t.AddMinutes(1), t.AddMinutes(1));
        var id = await app.CountAsync($"SELECT id FROM alerts WHERE series_key = '{ReportApi.Tests.Alerting.AlertScenario.VersionHostKey}' AND status = 'firing'");
        using var responder = app.CreateClient(TestApp.ResponderKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.PostAsync($"/v1/alerts/{id}/acknowledge", null, Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE id = {id} AND status = 'firing'"));
        Assert.Equal(HttpStatusCode.OK, (await responder.PostAsync($"/v1/alerts/{id}/acknowledge", null, Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE id = {id} AND status = 'acknowledged' AND acknowledged_by = 'night-shift'"));
        // The responder still may not erase data.
        Assert.Equal(HttpStatusCode.Forbidden, (await responder.DeleteAsync("/v1/devices/019abc00-0000-7000-8000-000000000000", Ct)).StatusCode);
    }

    private static string Name(string method, RouteEndpoint endpoint) => $"{method} /{endpoint.RoutePattern.RawText!.Trim('/')}";

    /// <summary>Route parameters filled with plausible values; authorization runs before the handler sees them.</summary>
    private static string Concrete(string pattern) =>
        "/" + System.Text.RegularExpressions.Regex.Replace(pattern.TrimStart('/'), @"\{[^}]+\}", "019abc00-0000-7000-8000-000000000000");
}
