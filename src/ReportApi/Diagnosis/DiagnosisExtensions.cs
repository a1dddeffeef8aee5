using ReportApi.Hosting;

namespace ReportApi.Diagnosis;

internal static class DiagnosisExtensions
{
    public static IHostApplicationBuilder AddDiagnosis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddCommandMode("rediagnose", c => RediagnoseCommand.RunAsync(c.HostServices, c.Args, c.Output, c.Error));
        builder.Services.AddOptions<DiagnosisOptions>().BindConfiguration("Diagnosis")
            .Validate(o => o.IsValid(out _), "Diagnosis: ClientTimeMaxAge 0 to 30 days, HistoryRefreshInterval over 0 and at most 1 h, HistoryMaxKeysPerHost 10 to 100000.")
            .ValidateOnStart();
        builder.Services.AddSingleton<HostKeyHistory>();
        builder.Services.AddSingleton<DiagnosisService>();
        builder.Services.AddSingleton<RediagnoseStore>();
        return builder;
    }
}
