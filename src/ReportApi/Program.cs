using ReportApi.Advisory;
using ReportApi.Alerting;
using ReportApi.Auth;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Hosting;
using ReportApi.Ingestion;
using ReportApi.Notifications;
using ReportApi.Observability;
using ReportApi.Pins;
using ReportApi.Privacy;
using ReportApi.Query;
using ReportApi.Rollups;
using ReportApi.Scope;
using ReportApi.ResponderConsole;
using ReportApi.Security;
using ReportApi.Stats;

// Command-line modes (Hosting/CommandModes): those that need no host run before it is built.
if (await CommandModes.RunWithoutHostAsync(args) is { } exitCode) return exitCode;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultUrl();
builder.AddTls();
builder.AddObservability();
builder.AddDatabase();
builder.AddDiagnosis();
builder.AddPrivacy();
builder.AddIngestion();
builder.AddScope();
builder.AddPins();
builder.AddAdvisory();
builder.AddApiKeyAuth();
builder.AddProductionSecretsCheck();
builder.AddAbuseProtection();
builder.AddReportQueries();
builder.AddRollups();
builder.AddStats();
builder.AddAlerting();
builder.AddNotifications();
builder.AddResponderConsole();
builder.AddErrorResponses();
builder.AddApiDocs();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

if (await CommandModes.RunWithHostAsync(app.Services, args) is { } modeExitCode) return modeExitCode;

app.UseTrustedForwardedHeaders();
app.UseAdvisory();
app.UseRequestLogging();
app.UseTls();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseOutputCache();

app.MapOperations();
app.MapMetrics();
app.MapIngestion();
app.MapScope();
app.MapReportQueries();
app.MapPins();
app.MapAdvisory();
app.MapPrivacy();
app.MapStats();
app.MapAlerts();
app.MapResponderConsole();
app.MapApiDocs();
app.MapRunbook();

await app.MigrateIfConfiguredAsync();
await app.RunAsync();
return 0;

public partial class Program;
