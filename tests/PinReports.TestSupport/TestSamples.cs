namespace PinReports.TestSupport;

/// <summary>The report samples of tests/Fixtures/samples, copied beside each test assembly under Samples/.</summary>
public static class TestSamples
{
    public static string Path(string fileName) => System.IO.Path.Combine(AppContext.BaseDirectory, "Samples", fileName);
}
