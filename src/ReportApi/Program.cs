using ReportApi.Auth;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Hosting;
using ReportApi.Ingestion;
using ReportApi.Observability;
using ReportApi.Query;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultUrl();
builder.AddObservability();
builder.AddDatabase();
builder.AddDiagnosis();
builder.AddIngestion();
builder.AddApiKeyAuth();
builder.AddReportQueries();
builder.Services.AddProblemDetails();
builder.AddApiDocs();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

if (HostingExtensions.IsMigrateCommand(args))
{
    await app.MigrateAsync();
    return;
}

app.UseRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapOperations();
app.MapIngestion();
app.MapReportQueries();
app.MapApiDocs();

await app.MigrateIfConfiguredAsync();
await app.RunAsync();

public partial class Program;
