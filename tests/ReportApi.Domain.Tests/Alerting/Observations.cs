using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Tests.Alerting;

/// <summary>Hand-made observations for the state machine tests.</summary>
internal static class Observations
{
    public static readonly SeriesKey Series = SeriesKey.ForVersionHost("com.example.bank", "3.2.1", "api.example.com");

    public static readonly DateTimeOffset T0 = new(2025, 6, 10, 9, 2, 0, TimeSpan.Zero);

    /// <summary>21 comparable windows (7 days × 3) with about two failing devices each.</summary>
    public static readonly int[] QuietHistory = [2, 1, 3, 2, 2, 0, 1, 2, 4, 2, 3, 1, 2, 2, 1, 3, 2, 0, 2, 2, 3];

    public static SeriesObservation Quiet(int devices = 2) => new(Series, devices, QuietHistory);

    public static SeriesObservation Rotation(int devices) => new(Series, devices, QuietHistory, 8_000,
        new Dictionary<DiagnosisCode, int> { [DiagnosisCode.ServerRotation] = devices - 3, [DiagnosisCode.InterceptionSuspected] = 3 },
        new FailingChain(KeyRole.Intermediate, "CN=Issuing CA 2", "CN=Root R1", "q2dTo4QX0Yh+pIuxjGdCLMZ6aYX5Z1nqbYbI4Xn1Nk8=", devices - 3),
        [new VersionDevices("com.example.bank", "3.2.1", devices, 8_000)]);

    public static DateTimeOffset Minute(int n) => T0.AddMinutes(n);
}
