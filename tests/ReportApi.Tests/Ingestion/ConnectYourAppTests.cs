using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// README "Connect your app" (issue #14), taken at its word: the one-request wiring check answers 204 with the key and
/// the scope it describes, 401 without the key, 422 outside the scope; the Android XML is well-formed TrustKit
/// configuration with the key in the report URL's user-info.
/// </summary>
public sealed class ConnectYourAppTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Key = "3c9d1e7a5b2f48c6a0e4d8b1f7c3a9e5d2b6f0a4c8e1d7b3a5f9c2e6b0d4a8f1";

    private static string ReadmeSection()
    {
        var readme = File.ReadAllText(RepositoryPaths.Of("README.md"));
        var start = readme.IndexOf("## Connect your app", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'Connect your app' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        return readme[start..end];
    }

    [Fact]
    public async Task The_wiring_check_of_the_readme_answers_204_with_the_key_401_without_and_422_outside_the_scope()
    {
        var section = ReadmeSection();
        var data = section.IndexOf("--data \\\n '", StringComparison.Ordinal);
        Assert.True(data > 0, "the wiring check's curl --data body was not found");
        var bodyStart = data + "--data \\\n '".Length;
        var body = section[bodyStart..section.IndexOf('\'', bodyStart)];
        using (JsonDocument.Parse(body)) { }

        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Ingest:Scope:Apps:0:BundleId"] = "com.example.bank",
            ["Ingest:Scope:Hosts:0"] = "api.example.com",
            ["Ingest:AppKeys:0:App"] = "com.example.bank",
            ["Ingest:AppKeys:0:Key"] = Key,
        });

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(app, $"/v1/reports?key={Key}", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(app, "/v1/reports", body.Replace("wiring", "nokey", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await PostAsync(app, $"/v1/reports?key={Key}", body.Replace("api.example.com", "login.example.com", StringComparison.Ordinal))).StatusCode);

        // "The test report shows up in GET /v1/reports?app=...&version=0.0.0-wiring".
        using var page = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/reports?app=com.example.bank&version=0.0.0-wiring", Ct));
        Assert.Single(page.RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public void The_android_configuration_is_trustkit_xml_with_the_key_as_user_info_and_the_default_report_uri_off()
    {
        var section = ReadmeSection();
        var start = section.IndexOf("<?xml", StringComparison.Ordinal);
        var end = section.IndexOf("</network-security-config>", StringComparison.Ordinal) + "</network-security-config>".Length;
        var xml = XDocument.Parse(section[start..end]);
        // Element and attribute names as TrustKitConfigurationParser.java reads them.
        var config = Assert.Single(xml.Descendants("trustkit-config"));
        Assert.Equal("true", config.Attribute("disableDefaultReportUri")?.Value);
        Assert.NotNull(config.Attribute("enforcePinning"));
        Assert.True(xml.Descendants("pin").Count() >= 2, "TrustKit needs a backup pin");
        Assert.All(xml.Descendants("pin"), p => Assert.Equal("SHA-256", p.Attribute("digest")?.Value));
        var reportUri = new Uri(Assert.Single(xml.Descendants("report-uri")).Value);
        Assert.Equal("/v1/reports", reportUri.AbsolutePath);
        Assert.NotEmpty(reportUri.UserInfo);
        Assert.DoesNotContain(reportUri.Host, xml.Descendants("domain").Select(d => d.Value));

        // iOS: the report URL carries the key as ?key= and the default report URI is off.
        Assert.Contains("kTSKReportUris: [\"https://reports.example.com/v1/reports?key=", section, StringComparison.Ordinal);
        Assert.Contains("kTSKDisableDefaultReportUri: true", section, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(TestApp app, string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return app.Client.SendAsync(request, Ct);
    }
}
