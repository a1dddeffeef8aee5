using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ReportApi.Hosting;

/// <summary>
/// Fills in what the endpoint metadata cannot say, so generated clients and the docs' "try it" work: the bearer
/// requirement on every protected operation (with its 401/403/503), query parameters named as the API reads them
/// (camelCase; the stats endpoint parses its query itself), the ingest body (one report or an array of up to 100),
/// <c>Retry-After</c> on every 429 and 503, and <c>application/problem+json</c> on every error response.
/// </summary>
internal static class OpenApiContract
{
    public const string SchemeName = "ApiKey";

    /// <summary>The stats query as the stats feature parses it (README, docs/stats.md).</summary>
    private static readonly (string Name, string Description)[] StatsParameters =
    [
        ("groupBy", "Comma list of app, version, platform, hostname, notedHostname, diagnosis."),
        ("from", "ISO 8601 start (default: 24 h before `to`)."),
        ("to", "ISO 8601 end (default: now)."),
        ("interval", "Bucket: 1m, 5m, 1h or 1d (default chosen from the range)."),
        ("app", "Filter: app bundle id."),
        ("version", "Filter: app version."),
        ("platform", "Filter: IOS or ANDROID."),
        ("hostname", "Filter: the hostname the report names."),
        ("notedHostname", "Filter: the pinned (noted) hostname."),
        ("diagnosis", "Filter: a diagnosis code."),
    ];

    public static Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var isProtected = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        operation.Responses ??= new OpenApiResponses();

        if (isProtected)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
            Problem(operation, "401", "No valid API key (Authorization: Bearer <key>).");
            Problem(operation, "403", "The key's role is below the endpoint's.");
            Problem(operation, "503", "The database is unavailable; retry after Retry-After seconds.");
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            // [AsParameters] records name parameters after their properties (ValidationResult); the API reads camelCase.
            if (parameter.In == ParameterLocation.Query && parameter.Name is { Length: > 0 } name && char.IsUpper(name[0]))
            {
                parameter.Name = char.ToLowerInvariant(name[0]) + name[1..];
            }
        }

        if (operation.OperationId == "GetFailureStats")
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in StatsParameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name, In = ParameterLocation.Query, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        if (operation.OperationId == "IngestReports") Ingest(operation);

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse r) continue;
            if (status is "429" or "503")
            {
                r.Headers ??= new Dictionary<string, IOpenApiHeader>();
                r.Headers["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                };
            }
            if (status.Length == 3 && status[0] is '4' or '5')
            {
                r.Content ??= new Dictionary<string, OpenApiMediaType>();
                if (!r.Content.ContainsKey("application/problem+json"))
                {
                    r.Content.Clear();
                    r.Content["application/problem+json"] = new OpenApiMediaType { Schema = ProblemSchema() };
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>POST /v1/reports: the body TrustKit sends (one report) or a replay tool's array; the statuses of the contract.</summary>
    private static void Ingest(OpenApiOperation operation)
    {
        var report = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A TrustKit iOS, TrustKit-Android or RFC 7469 report. Unknown keys are kept.",
            Required = new HashSet<string> { "hostname", "known-pins" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["hostname"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["noted-hostname"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["port"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.String },
                ["known-pins"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["validated-certificate-chain"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["served-certificate-chain"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["validation-result"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                ["app-bundle-id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["app-version"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["app-platform"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["app-vendor-id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["date-time"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
            AdditionalPropertiesAllowed = true,
        };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "One report, or an array of up to 100 (all-or-nothing).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        OneOf = [report, new OpenApiSchema { Type = JsonSchemaType.Array, Items = report, MinItems = 1, MaxItems = 100 }],
                    },
                },
            },
        };
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "key", In = ParameterLocation.Query, Description = "The app's ingest key (Ingest:AppKeys); TrustKit-Android may send it as Basic auth instead.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        Problem(operation, "413", "Body over Ingest:MaxRequestBytes.");
        Problem(operation, "415", "Not application/json.");
        Problem(operation, "429", "Per-client rate limit exceeded.");
        Problem(operation, "503", "Database unavailable or ingest backlog full; nothing stored.");
    }

    private static void Problem(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status)) return;
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = ProblemSchema() } },
        };
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details; on every 400, `errors` lists each problem by parameter (Problems).",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "parameter: a query or path parameter, or a JSON pointer into the body (ingest repeats it as pointer).",
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["parameter"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["pointer"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                },
            },
        },
    };
}
