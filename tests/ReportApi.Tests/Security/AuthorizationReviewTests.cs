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

    /// <summary>
    /// What may be reached without a key, and why: apps post reports; probes and scrapers; API docs; and the update
    /// advisory (issue 15), which apps call at start, before and without any key, over a connection that does not pin this
    /// host: it reveals only an answer for the app version asked about, and unknown apps look like unknown versions.
    /// </summary>
    private static readonly HashSet<string> Public = new(StringComparer.OrdinalIgnoreCase)
    {
        "POST /v1/reports", "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi/{documentName}.json", "GET /v1/advisory",
    };

    /// <summary>The interactive docs page and its static assets (the OpenAPI document it shows is public too).</summary>
    private static bool IsDocs(string name) => name.Equals("GET /docs", StringComparison.OrdinalIgnoreCase) || name.StartsWith("GET /docs/", StringComparison.OrdinalIgnoreCase);

    /// <summary>Endpoints a reader key must not use.</summary>
    private static readonly HashSet<string> AdminOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "POST /v1/activity", "POST /v1/alerts/{id}/acknowledge", "DELETE /v1/devices/{vendorId}",
        "PUT /v1/hosts/{hostname}/chains/live", "PUT /v1/hosts/{hostname}/chains/planned", "DELETE /v1/hosts/{hostname}/chains/planned",
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
