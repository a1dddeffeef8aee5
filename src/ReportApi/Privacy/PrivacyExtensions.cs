namespace ReportApi.Privacy;

internal static class PrivacyExtensions
{
    public static IHostApplicationBuilder AddPrivacy(this IHostApplicationBuilder builder)
    {
        // Refuse to start without a device-id key outside Development (docs/decisions/0004-privacy-by-default.md).
        var environment = builder.Environment;
        builder.Services.AddOptions<PrivacyOptions>().BindConfiguration("Privacy")
            .Validate(o => !string.IsNullOrEmpty(o.DeviceIdKey) || environment.IsDevelopment(),
                "Privacy:DeviceIdKey is required outside the Development environment (env Privacy__DeviceIdKey); e.g. `openssl rand -base64 32`.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DeviceIdHasher>();
        builder.Services.AddSingleton<SourceNetworks>();
        builder.Services.AddSingleton<PrivacyStore>();
        return builder;
    }
}
