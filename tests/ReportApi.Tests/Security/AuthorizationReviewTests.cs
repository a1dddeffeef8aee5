using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>
/// Every endpoint in the route table is either on the short public list or denies requests without a key and
/// with a bad key. New endpoints are found from the route table, so one cannot be forgotten.
/// </summary>
public sealed class AuthorizationReviewTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What may be reached without a key, and why: apps post reports; probes and scrapers; API docs.</summary>
    private static readonly HashSet<string> Public = new(StringComparer.OrdinalIgnoreCase)
    {
        "POST /v1/reports", "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi/{documentName}.json",
    };

    /// <summary>The interactive docs page and its static assets (the OpenAPI document it shows is public too).</summary>
    private static bool IsDocs(string name) => name.Equals("GET /docs", StringComparison.OrdinalIgnoreCase) || name.StartsWith("GET /docs/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The responder console: its sign-in page is public; every other page needs the console's cookie session, which no
    /// bearer key gives, so without one it redirects to sign-in.
    /// </summary>
    private static bool IsConsoleSignIn(string name) => name is "GET /console/sign-in" or "POST /console/sign-in";

    private static bool IsConsole(string name) => name.Contains(" /console", StringComparison.Ordinal);

    /// <summary>Endpoints a reader key must not use.</summary>
    private static readonly HashSet<string> AdminOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "POST /v1/activity", "POST /v1/alerts/{id}/acknowledge", "DELETE /v1/devices/{vendorId}",
    };

    [Fact]
    public async Task Every_non_public_endpoint_denies_without_a_key_with_a_wrong_key_and_admin_ones_deny_readers()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Endpoint: e)))
            .ToList();
        Assert.Contains(endpoints, e => Name(e.Method, e.Endpoint) == "GET /v1/reports");

        using var wrongKey = app.CreateClient("wrong-key-0123456789abcdef");
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
            if (AdminOnly.Contains(name))
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct)).StatusCode);
            }
        }
    }

    private static string Name(string method, RouteEndpoint endpoint) => $"{method} /{endpoint.RoutePattern.RawText!.Trim('/')}";

    /// <summary>Route parameters filled with plausible values; authorization runs before the handler sees them.</summary>
    private static string Concrete(string pattern) =>
        "/" + System.Text.RegularExpressions.Regex.Replace(pattern.TrimStart('/'), @"\{[^}]+\}", "019abc00-0000-7000-8000-000000000000");
}
