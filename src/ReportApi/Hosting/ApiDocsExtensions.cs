using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ReportApi.Hosting;

internal static class ApiDocsExtensions
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, describing the bearer API keys the query endpoints need.</summary>
    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "PinReports";
            document.Info.Description = "Collector and analysis of certificate-pinning failure reports (TrustKit iOS/Android, RFC 7469). " +
                "POST /v1/reports is open to apps; every other /v1 endpoint needs `Authorization: Bearer <api key>`.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[OpenApiContract.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key from Auth:ApiKeys (role reader, responder or admin).",
            };
            return Task.CompletedTask;
        }).AddOperationTransformer(OpenApiContract.TransformAsync));
        return builder;
    }

    /// <summary><c>/openapi/v1.json</c> and interactive docs at <c>/docs</c>.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", options => options.WithTitle("PinReports API"));
        return app;
    }
}
