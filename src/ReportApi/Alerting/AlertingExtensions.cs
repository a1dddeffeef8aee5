using Microsoft.Extensions.Options;
using ReportApi.Alerting.Backtesting;
using ReportApi.Domain.Alerting;
using ReportApi.Hosting;
using ReportApi.Notifications;

namespace ReportApi.Alerting;

internal static class AlertingExtensions
{
    /// <summary>The detector's thresholds (section <c>Alerting</c>, validated at start-up) and the every-minute evaluator.</summary>
    public static IHostApplicationBuilder AddAlerting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DetectorOptions>().BindConfiguration(DetectorConfiguration.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DetectorOptions>, DetectorOptionsValidator>();
        builder.Services.AddOptions<AlertEvaluatorOptions>().BindConfiguration(AlertEvaluatorOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AlertingStore>();
        builder.Services.AddSingleton<AlertEvaluator>();
        // What an alert says in each channel: the outbox (Notifications) renders its payloads with it at send time.
        builder.Services.AddSingleton<INotificationRenderer, AlertNotificationRenderer>();
        builder.Services.AddOptions<BacktestOptions>().BindConfiguration(BacktestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BacktestRunner>();
        builder.Services.AddSingleton<TraceWriter>();
        builder.Services.AddCommandMode("backtest", c => BacktestCommand.RunAsync(c.HostServices, c.Args));
        builder.Services.AddCommandMode("trace", c => TraceCommand.RunAsync(c.HostServices, c.Args));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());
        return builder;
    }

    /// <summary>The domain lists every problem with its key ("Alerting:MinDevices must be >= 1 (was -1)").</summary>
    private sealed class DetectorOptionsValidator : IValidateOptions<DetectorOptions>
    {
        public ValidateOptionsResult Validate(string? name, DetectorOptions options) =>
            DetectorConfiguration.Problems(options) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
