namespace ReportApi.Pins;

internal static class PinsExtensions
{
    public static IHostApplicationBuilder AddPins(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PinsOptions>().BindConfiguration("Pins").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PinInventoryRefresher>();
        builder.Services.AddSingleton<PinInventoryStore>();
        builder.Services.AddSingleton<PreflightService>();
        builder.Services.AddSingleton<ExpiringPinsGauge>();
        builder.Services.AddHostedService<PinInventoryService>();
        return builder;
    }
}
