using System.Text.Json;
using System.Text.RegularExpressions;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Dashboards;

/// <summary>
/// Issue #14: the overview leads to the drill-down per app and version and filters by app; service health narrows to
/// one replica; every dashboard has an importable copy for another Grafana.
/// </summary>
public sealed partial class DashboardNavigationTests
{
    private static JsonElement Load(params string[] path) => JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Of(path))).RootElement.Clone();

    [Fact]
    public void Overview_filters_by_app_and_links_each_failing_version_to_its_drill_down()
    {
        var overview = Load("grafana", "dashboards", "pin-failures-overview.json");
        var drillDown = Load("grafana", "dashboards", "app-version-drilldown.json");
        var app = Assert.Single(overview.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("name").GetString() == "app");
        Assert.True(app.GetProperty("includeAll").GetBoolean());

        // Every panel honours the app variable (but the chains one: a chain is no app's).
        foreach (var panel in overview.GetProperty("panels").EnumerateArray().Where(p => !p.GetProperty("title").GetString()!.StartsWith("New chains", StringComparison.Ordinal)))
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Contains("$app", target.GetProperty("rawSql").GetString()!, StringComparison.Ordinal);
            }
        }

        // The data link opens the drill-down (by its uid) with the row's app and version and the same time range.
        var links = overview.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("fieldConfig").GetProperty("overrides").EnumerateArray())
            .SelectMany(o => o.GetProperty("properties").EnumerateArray().Where(p => p.GetProperty("id").GetString() == "links"))
            .SelectMany(p => p.GetProperty("value").EnumerateArray()).Select(l => l.GetProperty("url").GetString()!).ToList();
        var url = Assert.Single(links);
        Assert.StartsWith($"/d/{drillDown.GetProperty("uid").GetString()}/", url, StringComparison.Ordinal);
        Assert.Contains("var-app=${__data.fields.app}", url, StringComparison.Ordinal);
        Assert.Contains("var-version=${__data.fields.version}", url, StringComparison.Ordinal);
        Assert.Contains("${__url_time_range}", url, StringComparison.Ordinal);
        // The drill-down's variables are the ones the link sets (and the ones alerts set: AlertLinks).
        var variables = drillDown.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        Assert.Contains("app", variables);
        Assert.Contains("version", variables);
        Assert.Contains("hostname", variables);
        Assert.Equal(ReportApi.Alerting.AlertLinks.DrillDownPath, $"/d/{drillDown.GetProperty("uid").GetString()}/app-version-drilldown");
    }

    [Fact]
    public void Service_health_narrows_every_query_to_the_chosen_instances()
    {
        var health = Load("grafana", "dashboards", "service-health.json");
        Assert.Contains(health.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("name").GetString() == "instance");
        foreach (var target in health.GetProperty("panels").EnumerateArray().SelectMany(p => p.GetProperty("targets").EnumerateArray()))
        {
            var expr = target.GetProperty("expr").GetString()!;
            foreach (Match selector in Selector().Matches(expr))
            {
                Assert.True(selector.Groups[2].Value.Contains("instance=~\"$instance\"", StringComparison.Ordinal), $"{selector.Value} in {expr}");
            }
        }
    }

    [Fact]
    public void Every_dashboard_has_an_importable_copy_whose_datasources_are_inputs()
    {
        var provisioned = Directory.GetFiles(RepositoryPaths.Of("grafana", "dashboards"), "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(provisioned, Directory.GetFiles(RepositoryPaths.Of("grafana", "export"), "*.json").Select(Path.GetFileName).Order());
        foreach (var name in provisioned)
        {
            var original = Load("grafana", "dashboards", name!);
            var copy = Load("grafana", "export", name!);
            var text = copy.GetRawText();
            Assert.DoesNotContain("\"pinreports-postgres\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"pinreports-prometheus\"", text, StringComparison.Ordinal);
            var inputs = copy.GetProperty("__inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToHashSet();
            var used = Input().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.NotEmpty(used);
            Assert.Equal(used.Order(), inputs.Order());
            Assert.Equal(original.GetProperty("uid").GetString(), copy.GetProperty("uid").GetString());
            Assert.Equal(original.GetProperty("panels").GetArrayLength(), copy.GetProperty("panels").GetArrayLength());
        }
    }

    [GeneratedRegex(@"\b((?:pinreports|http_server)_[a-z_]+)\{([^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"\$\{(DS_[A-Z_]+)\}")]
    private static partial Regex Input();
}
