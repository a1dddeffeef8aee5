using System.Globalization;

namespace PinReports.Simulator;

/// <summary>Command line: <c>init</c>, or a run with <c>--scenario</c> and friends (see <see cref="Usage"/>).</summary>
internal sealed class SimulatorOptions
{
    public const string DemoAdminKey = "demo-admin-key-0123456789";
    public const string DemoReaderKey = "demo-reader-key-0123456789";

    public bool Init { get; private set; }
    public ScenarioKind Scenario { get; private set; } = ScenarioKind.Steady;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromMinutes(5);
    public TimeSpan At { get; private set; } = TimeSpan.FromSeconds(60);
    public int Rate { get; private set; } = 50;
    public Uri Url { get; private set; } = new("http://localhost:8080/");
    public string? AdminKey { get; private set; } = Environment.GetEnvironmentVariable("PINREPORTS_ADMIN_KEY") ?? DemoAdminKey;
    public string? ReaderKey { get; private set; } = Environment.GetEnvironmentVariable("PINREPORTS_READER_KEY") ?? DemoReaderKey;
    public int Devices { get; private set; } = 3000;
    public int Seed { get; private set; } = 20261127;
    public TimeSpan SessionInterval { get; private set; } = TimeSpan.FromSeconds(90);
    public double InterceptionsPerHour { get; private set; } = 12;
    public double ConfigErrorsPerHour { get; private set; } = 6;
    public string Proxy { get; private set; } = "zscaler";
    public bool WatchAlerts { get; private set; }
    public bool ExpectAlert { get; private set; }
    public bool PostActivity { get; private set; } = true;
    public string SimDirectory { get; private set; } = Path.GetFullPath(".sim");

    public const string Usage = """
        PinReports traffic simulator: a fleet of com.example.bank installs (iOS and Android, versions 3.0.2 / 3.1.0 / 3.2.1)
        sending TrustKit pin-failure reports for api.example.com and login.example.com.

          init                     create the simulated PKI under --sim-dir (default ./.sim) and write .sim/roots.pem
                                   (the service needs it as Diagnosis__TrustedRootsFile); runs reuse it

          replay [--days 1..60] [--seed N] [--scenario steady|rotation|launch|forged]
                                   no service, no database: replay days of synthetic traffic through the spike detector
                                   with the default thresholds and print when alerts fire and resolve

          --scenario S             steady | rotation | interception | expired | all          (default steady)
          --duration D             how long to run, e.g. 90s, 6m, 1h                          (default 5m)
          --at T                   when the incident starts, relative to the start            (default 60s)
          --rate N                 at most N reports per second (the service allows 100/s per client) (default 50)
          --url U                  the service                                                (default http://localhost:8080)
          --admin-key K            for POST /v1/activity    (default: the Development demo key, or $PINREPORTS_ADMIN_KEY)
          --reader-key K           for GET /v1/alerts       (default: the Development demo key, or $PINREPORTS_READER_KEY)
          --watch-alerts           poll GET /v1/alerts?state=firing every 15 s and print new alerts
          --expect-alert           implies --watch-alerts; exit 0 only if a new alert fired during the run
          --devices N              fleet size                                                 (default 3000)
          --session-interval D     mean time between a device's app sessions                 (default 90s)
          --interceptions-per-hour background corporate/debug-proxy interception reports    (default 12)
          --config-errors-per-hour background iOS validation-result 3 reports               (default 6)
          --proxy P                zscaler | mitmproxy: the interception scenario's proxy     (default zscaler)
          --no-activity            do not post activity data
          --seed N                 fleet and arrivals are deterministic for a seed
          --sim-dir DIR            where the PKI lives                                        (default ./.sim)

        Exit code: 0 done (with --expect-alert: an alert fired), 1 no alert fired, 2 bad arguments, 3 no report accepted.
        """;

    public static SimulatorOptions Parse(string[] args)
    {
        var o = new SimulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            switch (arg)
            {
                case "init": o.Init = true; break;
                case "--scenario":
                    var s = Value();
                    o.Scenario = Enum.TryParse<ScenarioKind>(s, ignoreCase: true, out var k) && !int.TryParse(s, out _)
                        ? k : throw new ArgumentException($"--scenario must be steady, rotation, interception, expired or all (was '{s}').");
                    break;
                case "--duration": o.Duration = ParseDuration(Value(), arg); break;
                case "--at": o.At = ParseDuration(Value(), arg); break;
                case "--rate": o.Rate = PositiveInt(Value(), arg); break;
                case "--url":
                    var url = Value();
                    o.Url = Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var u) ? u : throw new ArgumentException($"--url: '{url}' is not an absolute URL.");
                    break;
                case "--admin-key": o.AdminKey = Value(); break;
                case "--reader-key": o.ReaderKey = Value(); break;
                case "--watch-alerts": o.WatchAlerts = true; break;
                case "--expect-alert": o.ExpectAlert = o.WatchAlerts = true; break;
                case "--devices": o.Devices = PositiveInt(Value(), arg); break;
                case "--session-interval": o.SessionInterval = ParseDuration(Value(), arg); break;
                case "--interceptions-per-hour": o.InterceptionsPerHour = NonNegative(Value(), arg); break;
                case "--config-errors-per-hour": o.ConfigErrorsPerHour = NonNegative(Value(), arg); break;
                case "--proxy":
                    o.Proxy = Value().ToLowerInvariant();
                    if (o.Proxy is not ("zscaler" or "mitmproxy")) throw new ArgumentException("--proxy must be zscaler or mitmproxy.");
                    break;
                case "--no-activity": o.PostActivity = false; break;
                case "--seed": o.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--sim-dir": o.SimDirectory = Path.GetFullPath(Value()); break;
                default: throw new ArgumentException($"Unknown argument '{arg}'.");
            }
        }

        if (o.SessionInterval < TimeSpan.FromSeconds(1)) throw new ArgumentException("--session-interval must be at least 1s.");
        return o;
    }

    /// <summary>"90s", "6m", "1h", "1m30s", a plain number of seconds, or a TimeSpan ("00:06:00").</summary>
    public static TimeSpan ParseDuration(string text, string name = "duration")
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0) return TimeSpan.FromSeconds(seconds);
        if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero) return span;
        var total = TimeSpan.Zero;
        var number = "";
        var any = false;
        foreach (var ch in text.Trim())
        {
            if (char.IsDigit(ch) || ch == '.') { number += ch; continue; }
            if (number.Length == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                throw new ArgumentException($"{name}: '{text}' is not a duration (e.g. 90s, 6m, 1h).");
            total += char.ToLowerInvariant(ch) switch
            {
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                _ => throw new ArgumentException($"{name}: '{text}' is not a duration (e.g. 90s, 6m, 1h)."),
            };
            number = "";
            any = true;
        }

        if (!any || number.Length > 0) throw new ArgumentException($"{name}: '{text}' is not a duration (e.g. 90s, 6m, 1h).");
        return total;
    }

    private static int PositiveInt(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive whole number.");

    private static double NonNegative(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"{name} must be a number >= 0.");
}
