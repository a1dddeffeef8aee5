using System.Globalization;

namespace PinReports.LoadTest;

/// <summary>Command-line options (<c>--name value</c>); <see cref="Usage"/> lists them.</summary>
internal sealed class LoadTestOptions
{
    public Uri Url { get; private set; } = new("http://localhost:8080");
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(30);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);
    public int Concurrency { get; private set; } = 200;

    /// <summary>Open loop target in reports/s; 0 = closed loop (every worker posts back-to-back).</summary>
    public double Rate { get; private set; }

    public int ArraySize { get; private set; } = 1;
    public bool AndroidChunked { get; private set; } = true;
    public int Devices { get; private set; } = 5_000;
    public double IosShare { get; private set; } = 0.5;
    public int Chains { get; private set; } = 4;

    /// <summary>New-chain flood (issue 21): this many distinct leaves under one untrusted ECDSA CA, one per report (0 = off).</summary>
    public int UniqueChains { get; private set; }
    public IReadOnlyList<string> AppVersions { get; private set; } = ["3.0.0", "3.1.0", "3.2.1"];
    public int Seed { get; private set; } = 20_250_601;
    public TimeSpan RequestTimeout { get; private set; } = TimeSpan.FromSeconds(30);
    public int? Pid { get; private set; }
    public string? VerifyConnectionString { get; private set; }
    public string? JsonPath { get; private set; }

    /// <summary>Path posted to; <c>bench/null</c> measures the HTTP ceiling (the service's null endpoint).</summary>
    public string Path { get; private set; } = "v1/reports";

    /// <summary>With a connection string: COPY this many report-shaped rows instead of posting (the database ceiling).</summary>
    public int CopyCeilingRows { get; private set; }

    /// <summary>Goes into every hostname so that a run's reports are unique across runs and easy to find.</summary>
    public string RunId { get; private set; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));

    public const string Usage = """
        PinReports.LoadTest: drives POST /v1/reports with realistic TrustKit iOS/Android reports.

          --url U                     service base URL (default http://localhost:8080)
          --duration 30s              measured window (ms, s, m suffixes; a bare number is seconds)
          --warmup 5s                 load before the measured window (not counted, still verified)
          --concurrency 200           workers = connections (closed loop: each posts back-to-back)
          --rate R                    open loop: target R reports/s spread over the workers (0 = closed loop)
          --array-size 1              reports per request (1 = a bare object, like the apps; 2..100 = JSON array)
          --android-chunked true      send Android bodies with Transfer-Encoding: chunked, no Content-Length
          --devices 5000              distinct app-vendor-ids in the fleet
          --ios-share 0.5             fraction of iOS devices (rest Android)
          --chains 4                  distinct served certificate chains (RSA-2048 leaf/intermediate/root)
          --unique-chains N           new-chain flood (issue 21): every report carries another of N pre-made leaves (same key,
                                      new serial) under one untrusted ECDSA CA; iOS reports only. N >= the reports sent
                                      makes every chain never-seen (the service's worst case)
          --app-versions 3.0.0,3.1.0,3.2.1
          --seed N                    fleet and pin randomness
          --timeout 30s               per-request client timeout
          --pid P                     service process: sample VmRSS (and CPU) every 250 ms
          --verify-connection-string S  after the run, check that every 204 has its row in `reports`
          --json out.json             also write the figures as JSON
          --path v1/reports           path to post to (bench/null: the service's null endpoint, the HTTP ceiling)
          --copy-ceiling-rows N       no HTTP: binary COPY N report rows (2000 per transaction) into a copy of the
                                      reports table with its indexes, via --verify-connection-string (the database ceiling)
          --run-id ID                 tag put in the hostnames (default random 8 hex)
        Exit codes: 0 ok, 1 acknowledged reports missing from the database, 2 bad usage or failed sanity check.
        """;

    public static LoadTestOptions Parse(string[] args)
    {
        var o = new LoadTestOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help") throw new UsageException(null);
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{name}'");
            string value;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else
            {
                if (i + 1 >= args.Length) throw new UsageException($"{name} needs a value");
                value = args[++i];
            }

            switch (name)
            {
                case "--url": o.Url = new Uri(value.TrimEnd('/') + "/"); break;
                case "--duration": o.Duration = ParseDuration(name, value); break;
                case "--warmup": o.Warmup = ParseDuration(name, value, allowZero: true); break;
                case "--concurrency": o.Concurrency = ParseInt(name, value, 1, 100_000); break;
                case "--rate": o.Rate = ParseDouble(name, value, 0, 10_000_000); break;
                case "--array-size": o.ArraySize = ParseInt(name, value, 1, 100); break;
                case "--android-chunked": o.AndroidChunked = ParseBool(name, value); break;
                case "--devices": o.Devices = ParseInt(name, value, 1, 10_000_000); break;
                case "--ios-share": o.IosShare = ParseDouble(name, value, 0, 1); break;
                case "--chains": o.Chains = ParseInt(name, value, 1, 64); break;
                case "--unique-chains": o.UniqueChains = ParseInt(name, value, 1, 10_000_000); break;
                case "--app-versions":
                    o.AppVersions = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (o.AppVersions.Count == 0) throw new UsageException("--app-versions needs at least one version");
                    break;
                case "--seed": o.Seed = ParseInt(name, value, int.MinValue, int.MaxValue); break;
                case "--timeout": o.RequestTimeout = ParseDuration(name, value); break;
                case "--pid": o.Pid = ParseInt(name, value, 1, int.MaxValue); break;
                case "--verify-connection-string": o.VerifyConnectionString = value; break;
                case "--json": o.JsonPath = value; break;
                case "--path": o.Path = value.TrimStart('/'); break;
                case "--copy-ceiling-rows": o.CopyCeilingRows = ParseInt(name, value, 1, 100_000_000); break;
                case "--run-id":
                    if (value.Length is 0 or > 16 || !value.All(char.IsAsciiLetterOrDigit))
                        throw new UsageException("--run-id must be 1-16 ASCII letters or digits");
                    o.RunId = value.ToLowerInvariant();
                    break;
                default: throw new UsageException($"unknown option {name}");
            }
        }

        // The flood's leaves replace the validated chain of the iOS template; Android repeats the leaf in its served chain.
        if (o.UniqueChains > 0) o.IosShare = 1.0;
        return o;
    }

    /// <summary>"30s", "500ms", "2m", "1h" or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string value, bool allowZero = false)
    {
        var v = value.Trim().ToLowerInvariant();
        (string number, double scale) = v switch
        {
            _ when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 0.001),
            _ when v.EndsWith('s') => (v[..^1], 1.0),
            _ when v.EndsWith('m') => (v[..^1], 60.0),
            _ when v.EndsWith('h') => (v[..^1], 3600.0),
            _ => (v, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || (n == 0 && !allowZero))
            throw new UsageException($"{name}: '{value}' is not a duration like 30s, 500ms, 2m");
        return TimeSpan.FromSeconds(n * scale);
    }

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name}: '{value}' is not an integer in [{min}, {max}]");

    private static double ParseDouble(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name}: '{value}' is not a number in [{min}, {max}]");

    private static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new UsageException($"{name}: '{value}' is not true/false"),
    };
}

internal sealed class UsageException(string? message) : Exception(message ?? "");
