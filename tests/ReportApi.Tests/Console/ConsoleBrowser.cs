using Microsoft.Playwright;

namespace ReportApi.Tests.Console;

/// <summary>
/// Headless Chromium from the machine (Debian's <c>chromium</c>; Playwright's own browser download does not exist
/// offline), driven by Playwright. A missing browser fails the test with how to install it; only a developer may skip,
/// explicitly, with <c>PINREPORTS_SKIP_BROWSER_TESTS=1</c>, and never in CI.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Where page screenshots go when set (the README's come from here): <c>PINREPORTS_CONSOLE_SCREENSHOTS</c>.</summary>
    public static string? ScreenshotDirectory => Environment.GetEnvironmentVariable("PINREPORTS_CONSOLE_SCREENSHOTS") is { Length: > 0 } d ? d : null;

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        var path = Environment.GetEnvironmentVariable("PINREPORTS_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            if (!ci && Environment.GetEnvironmentVariable("PINREPORTS_SKIP_BROWSER_TESTS") == "1")
            {
                Assert.Skip($"No Chromium at {path}; skipped because PINREPORTS_SKIP_BROWSER_TESTS=1.");
            }
            Assert.Fail($"The console's browser tests need Chromium at {path}: `apt-get install -y chromium chromium-driver` " +
                "(.ci/run does), or PINREPORTS_CHROMIUM=/path/to/chromium. To skip them locally: PINREPORTS_SKIP_BROWSER_TESTS=1.");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = path,
            Headless = true,
            // Root in a container has no user namespace sandbox to give; the pages are our own.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        return new ConsoleBrowser(playwright, browser);
    }

    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1200, int height = 900)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString().TrimEnd('/'),
            ViewportSize = new() { Width = width, Height = height },
            AcceptDownloads = true,
            // The console must work with scripts off: the tests browse it that way.
            JavaScriptEnabled = false,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string apiKey)
    {
        await page.GotoAsync("/console/alerts");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync(apiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/console/alerts");
    }

    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        if (ScreenshotDirectory is not { } dir) return;
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png"), FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
