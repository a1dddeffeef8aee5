using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Hosting;

/// <summary>
/// The OpenAPI document held against the route table: what a generated client or the docs' "try it" needs to call
/// each endpoint (issue #14).
/// </summary>
public sealed class OpenApiDocumentTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_routed_operation_is_documented_protected_ones_with_the_bearer_requirement_and_errors_as_problem_json()
    {
        await using var app = await TestApp.StartAsync(postgres);
        using var document = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json", Ct));
        var root = document.RootElement;
        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("scheme").GetString());
        var paths = root.GetProperty("paths");

        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/docs", StringComparison.Ordinal) && !e.RoutePattern.RawText!.StartsWith("/openapi", StringComparison.Ordinal)
                && e.RoutePattern.RawText != "/metrics"
                // The responder console's HTML pages (Razor Pages) are no API operations.
                && !e.RoutePattern.RawText!.TrimStart('/').StartsWith("console", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Endpoint: e)))
            .ToList();
        Assert.Contains(routes, r => r.Endpoint.RoutePattern.RawText == "/v1/stats/failures");

        foreach (var (method, endpoint) in routes)
        {
            var path = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            Assert.True(paths.TryGetProperty(path, out var item), $"{method} {path} is routed but not in the OpenAPI document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {path} is routed but not documented");
            var isProtected = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0;
            var security = operation.TryGetProperty("security", out var s) ? s.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList() : [];
            if (isProtected)
            {
                Assert.True(security.Contains("ApiKey"), $"{method} {path} needs a key but documents no security requirement");
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} documents no 401");
            }
            else
            {
                Assert.Empty(security);
            }
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                Assert.True(response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _),
                    $"{method} {path} {response.Name} is not application/problem+json");
                if (response.Name is "429" or "503")
                {
                    Assert.True(response.Value.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{method} {path} {response.Name} has no Retry-After");
                }
            }
            // Query parameters as the API reads them: camelCase.
            foreach (var parameter in operation.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
            {
                if (parameter.GetProperty("in").GetString() == "query") Assert.True(char.IsLower(parameter.GetProperty("name").GetString()![0]), $"{method} {path}: {parameter}");
            }
        }

        // Ingest: one report or an array, and the statuses of the contract.
        var ingest = paths.GetProperty("/v1/reports").GetProperty("post");
        var body = ingest.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal(2, body.GetProperty("oneOf").GetArrayLength());
        foreach (var status in new[] { "204", "400", "413", "415", "429", "503" }) Assert.True(ingest.GetProperty("responses").TryGetProperty(status, out _), status);

        // Stats: the parameters the endpoint parses itself; reports: validationResult as the API spells it.
        var stats = paths.GetProperty("/v1/stats/failures").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "groupBy", "from", "to", "interval", "app", "version", "platform", "hostname", "notedHostname", "diagnosis" }, stats.ToHashSet());
        Assert.Contains(paths.GetProperty("/v1/reports").GetProperty("get").GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "validationResult");
    }
}
