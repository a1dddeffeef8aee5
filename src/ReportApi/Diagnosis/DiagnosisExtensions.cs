namespace ReportApi.Diagnosis;

internal static class DiagnosisExtensions
{
    public static IHostApplicationBuilder AddDiagnosis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DiagnosisOptions>().BindConfiguration("Diagnosis");
        builder.Services.AddSingleton<DiagnosisService>();
        return builder;
    }
}
