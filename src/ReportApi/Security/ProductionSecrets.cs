using Microsoft.Extensions.Options;

namespace ReportApi.Security;

/// <summary>
/// Every secret the service holds, by its configuration key: API keys, ingest keys, the device-id HMAC key and the
/// webhook signing secret. Read straight from configuration so each problem names the key an operator sets.
/// </summary>
internal sealed class ProductionSecrets
{
    public List<(string Setting, string Value)> Values { get; } = [];

    public static void Collect(ProductionSecrets secrets, IConfiguration configuration)
    {
        foreach (var list in new[] { "Auth:ApiKeys", "Ingest:AppKeys" })
        {
            foreach (var entry in configuration.GetSection(list).GetChildren())
            {
                Add(secrets, $"{entry.Path}:Key", entry["Key"]);
            }
        }
        Add(secrets, "Privacy:DeviceIdKey", configuration["Privacy:DeviceIdKey"]);
        Add(secrets, "Notifications:Webhook:Secret", configuration["Notifications:Webhook:Secret"]);
    }

    private static void Add(ProductionSecrets secrets, string setting, string? value)
    {
        if (!string.IsNullOrEmpty(value)) secrets.Values.Add((setting, value));
    }
}

/// <summary>
/// Outside Development the service refuses to start with a published sample secret or a weak one (less than 32
/// random bytes' worth), naming the setting and never echoing the value: the demo keys work on a laptop, nowhere else.
/// </summary>
internal sealed class ProductionSecretsValidator(IHostEnvironment environment) : IValidateOptions<ProductionSecrets>
{
    public ValidateOptionsResult Validate(string? name, ProductionSecrets options)
    {
        if (environment.IsDevelopment()) return ValidateOptionsResult.Success;
        var problems = new List<string>();
        foreach (var (setting, value) in options.Values)
        {
            var env = setting.Replace(":", "__", StringComparison.Ordinal);
            if (SampleSecrets.Values.Contains(value.Trim()))
            {
                problems.Add($"{setting} (env {env}) holds a published sample value; outside Development every secret must be your own. " +
                    "Generate one with `openssl rand -base64 32` or deploy/generate-secrets.sh.");
            }
            else if (!SecretStrength.IsStrong(value))
            {
                problems.Add($"{setting} (env {env}) is too weak: use at least 32 random bytes (44 base64 or 64 hex characters), " +
                    "e.g. `openssl rand -base64 32` or deploy/generate-secrets.sh.");
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

internal static class ProductionSecretsExtensions
{
    /// <summary>Checked when the host starts (not by the one-shot <c>migrate</c> command, which serves nothing).</summary>
    public static IHostApplicationBuilder AddProductionSecretsCheck(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProductionSecrets>().Configure<IConfiguration>(ProductionSecrets.Collect).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProductionSecrets>, ProductionSecretsValidator>();
        return builder;
    }
}
