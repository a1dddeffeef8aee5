using ReportApi.Advisory;
using ReportApi.Alerting;
using ReportApi.Alerting.Backtesting;
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

if (HealthCheckCommand.IsRequested(args)) return await HealthCheckCommand.RunAsync(args);

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

if (HostingExtensions.IsMigrateCommand(args))
{
    await app.MigrateAsync();
    return 0;
}
if (BacktestCommand.IsRequested(args)) return await BacktestCommand.RunAsync(app.Services, args);
if (TraceCommand.IsRequested(args)) return await TraceCommand.RunAsync(app.Services, args);

if (RediagnoseCommand.IsRequested(args)) return await RediagnoseCommand.RunAsync(app.Services, args, Console.Out, Console.Error);

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
