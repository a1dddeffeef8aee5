using Microsoft.Playwright;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Console;

/// <summary>The console in a real (headless) Chromium, with scripts disabled: the responder's path from alert to chain.</summary>
public sealed class ConsoleBrowserTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_responder_follows_an_alert_to_a_report_acknowledges_it_downloads_the_csv_and_runs_a_preflight()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync();
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        var id = await ConsoleScenario.AlertIdAsync(scenario, AlertScenario.VersionHostKey);
        var page = await browser.NewPageAsync(scenario.Service.BaseAddress);

        // Sign-in: redirected there, the key field is labelled and focused, Enter signs in.
        await page.GotoAsync($"/console/alerts/{id}");
        Assert.Contains("/console/sign-in?returnUrl=", page.Url, StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "sign-in");
        await page.GetByLabel("API key").FillAsync(TestApp.AdminKey);
        await page.GetByLabel("API key").PressAsync("Enter");
        await page.WaitForURLAsync($"**/console/alerts/{id}");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "__Host-pinreports-console");
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Secure);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Alerts → alert.
        await page.GetByRole(AriaRole.Link, new() { Name = "Alerts", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console/alerts");
        Assert.Equal(3, await page.Locator("tbody tr").CountAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "alerts");
        // Keyboard: the first Tab stop skips the navigation.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Locator($"#alert-{id} a").ClickAsync();
        await page.WaitForURLAsync($"**/console/alerts/{id}");
        Assert.Contains("server-rotation on api.bank.example", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("svg.chart rect").CountAsync() > 0, "The timeline has no bars.");
        Assert.StartsWith(ConsoleScenario.GrafanaBaseUrl + "/d/pinreports-version/",
            await page.GetByRole(AriaRole.Link, new() { Name = "Grafana drill-down" }).GetAttributeAsync("href"), StringComparison.Ordinal);
        Assert.EndsWith("#server-rotation",
            await page.GetByRole(AriaRole.Link, new() { Name = "Runbook: server-rotation" }).GetAttributeAsync("href"), StringComparison.Ordinal);
        var chain = await page.Locator("ol.certs").InnerTextAsync();
        Assert.Contains(AlertScenario.NewIntermediate.Subject, chain, StringComparison.Ordinal);
        Assert.Contains("no pin matches", chain, StringComparison.Ordinal);
        Assert.Contains("3.1.0", await page.GetByRole(AriaRole.Region, new() { Name = "Affected versions table" }).InnerTextAsync(), StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "alert", fullPage: true);

        // Alert → its reports (the version's rate and pins) → one report.
        await page.GetByRole(AriaRole.Link, new() { Name = "Reports of this alert" }).ClickAsync();
        await page.WaitForURLAsync("**/console/reports?**");
        Assert.Equal(AlertScenario.SpikeDevices, await page.GetByRole(AriaRole.Region, new() { Name = "Reports table" }).Locator("tbody tr").CountAsync());
        Assert.Contains("fewer-than-two-pins", await page.GetByRole(AriaRole.Region, new() { Name = "Pin configurations" }).InnerTextAsync(), StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "version", fullPage: false);

        // The CSV link works in a browser: the session cookie authorizes it.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download these reports as CSV" }).ClickAsync());
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!, Ct);
        Assert.StartsWith("id,received_at,", csv[0], StringComparison.Ordinal);
        Assert.Equal(AlertScenario.SpikeDevices, csv.Count(l => l.Length > 0) - 1);

        await page.GetByRole(AriaRole.Region, new() { Name = "Reports table" }).Locator("tbody tr a").First.ClickAsync();
        await page.WaitForURLAsync("**/console/reports/*");
        Assert.Equal(1, await page.GetByRole(AriaRole.Heading, new() { Name = "Validated chain (what the device built)" }).CountAsync());
        Assert.Contains("server-rotation", await page.Locator("p .badge").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("\"app-bundle-id\"", await page.Locator("pre").InnerTextAsync(), StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "report");

        // Acknowledge from the alert page.
        await page.GotoAsync($"/console/alerts/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/alerts/{id}?acknowledged={id}");
        Assert.Contains("acknowledged by release-bot", await page.Locator("dl.facts").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("acknowledged", await ConsoleScenario.StatusAsync(scenario, id));
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).CountAsync());

        // Pre-flight with an uploaded PEM file: the version's only pin names no key of the new chain.
        await page.GetByRole(AriaRole.Link, new() { Name = "Pre-flight" }).ClickAsync();
        await page.GetByLabel("Hostname").FillAsync(AlertScenario.Host);
        await page.GetByLabel("PEM file").SetInputFilesAsync(new FilePayload
        {
            Name = "new-chain.pem", MimeType = "application/x-pem-file", Buffer = System.Text.Encoding.ASCII.GetBytes(ConsoleScenario.NewChainPem()),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
        Assert.Contains("fail", await page.Locator("#verdict").InnerTextAsync(), StringComparison.Ordinal);
        var versions = await page.Locator("table").InnerTextAsync();
        Assert.Contains("3.1.0", versions, StringComparison.Ordinal);
        Assert.Contains("blocked", versions, StringComparison.Ordinal);
        Assert.Matches(@"[1-9]\d* device\(s\) affected", await page.GetByRole(AriaRole.Status).InnerTextAsync());
        await ConsoleBrowser.ScreenshotAsync(page, "preflight", fullPage: true);

        // A phone-sized screen gets the same alert page, readable without sideways scrolling of the page itself.
        var phone = await browser.NewPageAsync(scenario.Service.BaseAddress, 390, 844);
        await ConsoleBrowser.SignInAsync(phone, TestApp.ReaderKey);
        await phone.GotoAsync($"/console/alerts/{id}");
        await ConsoleBrowser.ScreenshotAsync(phone, "alert-phone");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth + 1"),
            "The alert page scrolls sideways on a phone: " + await phone.EvaluateAsync<string>(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className).join(' ')"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sign-in?signedOut=true");
        await page.GotoAsync("/console/alerts");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reader_sees_the_alerts_but_no_acknowledge_button()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync();
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        var id = await ConsoleScenario.AlertIdAsync(scenario, AlertScenario.VersionHostKey);
        var page = await browser.NewPageAsync(scenario.Service.BaseAddress);
        await ConsoleBrowser.SignInAsync(page, TestApp.ReaderKey);

        Assert.Equal(3, await page.Locator("tbody tr").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).CountAsync());
        await page.GotoAsync($"/console/alerts/{id}");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).CountAsync());
        Assert.Equal("firing", await ConsoleScenario.StatusAsync(scenario, id));
    }
}
