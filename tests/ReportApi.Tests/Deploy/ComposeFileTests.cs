using System.Text.RegularExpressions;
using ReportApi.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ReportApi.Tests.Deploy;

/// <summary>
/// These machines have no Docker engine, so the compose file is checked for what can go wrong without one: it parses,
/// images are pinned, every mounted or built path exists in the repository, every ${VARIABLE} is required (":?") and
/// listed in deploy/.env.example, every service environment key is one the service reads, only Caddy listens beyond
/// this host, Grafana sees only its own variables, and Prometheus scrapes the API.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly YamlMappingNode Compose = Load(RepositoryPaths.Of("deploy", "docker-compose.yml"));
    private static YamlMappingNode Services => (YamlMappingNode)Compose["services"];

    [Fact]
    public void Stack_has_the_services_an_operator_expects_with_pinned_images()
    {
        Assert.Equal(["caddy", "grafana", "migrate", "postgres", "prometheus", "reportapi"], Services.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var (name, node) in Services.Children)
        {
            var service = (YamlMappingNode)node;
            var image = service.Children.TryGetValue("image", out var i) ? i.ToString() : null;
            Assert.True(image is not null, $"{name} has no image");
            // Third-party images: an exact version tag, optionally with its digest; ours is built by the migrate service.
            if (!image!.StartsWith("pinreports/", StringComparison.Ordinal)) Assert.Matches(@":v?\d+\.\d+(\.\d+)?[\w.-]*(@sha256:[0-9a-f]{64})?$", image);
            Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
        }
        Assert.Equal("migrate", Scalar(Services["migrate"], "command", 0));
        Assert.Equal("service_completed_successfully", Scalar(Services["reportapi"], "depends_on", "migrate", "condition"));
        Assert.Equal("service_healthy", Scalar(Services["migrate"], "depends_on", "postgres", "condition"));
    }

    [Fact]
    public void Built_and_mounted_paths_exist_in_the_repository()
    {
        var deploy = RepositoryPaths.Of("deploy");
        var build = (YamlMappingNode)((YamlMappingNode)Services["migrate"])["build"];
        var context = Path.GetFullPath(Path.Combine(deploy, build["context"].ToString()));
        Assert.True(File.Exists(Path.Combine(context, build["dockerfile"].ToString())));
        foreach (var line in File.ReadLines(Path.Combine(context, build["dockerfile"].ToString())).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var sources = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1];
            Assert.All(sources, source => Assert.True(Path.Exists(Path.Combine(context, source)), $"Dockerfile copies missing {source}"));
        }

        foreach (var (name, node) in Services.Children)
        {
            if (!((YamlMappingNode)node).Children.TryGetValue("volumes", out var volumes)) continue;
            foreach (var volume in ((YamlSequenceNode)volumes).Children.Select(v => v.ToString()))
            {
                var source = volume.Split(':')[0];
                if (!source.StartsWith('.')) continue; // a named volume
                Assert.True(Path.Exists(Path.GetFullPath(Path.Combine(deploy, source))), $"{name} mounts missing {source}");
            }
        }
    }

    [Fact]
    public void Every_variable_is_required_and_listed_and_every_environment_key_is_read_by_the_service()
    {
        var text = File.ReadAllText(RepositoryPaths.Of("deploy", "docker-compose.yml"));
        var defined = File.ReadAllLines(RepositoryPaths.Of("deploy", ".env.example"))
            .Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l[..l.IndexOf('=')]).ToHashSet();
        var uses = Variable().Matches(text);
        Assert.NotEmpty(uses);
        foreach (Match match in uses)
        {
            Assert.Contains(match.Groups[1].Value, defined);
            // No silent empty secret: a missing variable stops compose with a message instead of starting with "".
            Assert.True(match.Groups[2].Value == ":?", $"${{{match.Groups[1].Value}}} must be written ${{{match.Groups[1].Value}:?message}}");
        }
        Assert.DoesNotContain(File.ReadAllLines(RepositoryPaths.Of("deploy", ".env.example")),
            l => !l.StartsWith('#') && l.Contains('=') && !l.StartsWith("PINREPORTS_DOMAIN=", StringComparison.Ordinal)
            && !l.StartsWith("PINREPORTS_GRAFANA_URL=", StringComparison.Ordinal) && l[(l.IndexOf('=') + 1)..].Length > 0);
        // Alerts link to the Grafana responders open (issue #14).
        Assert.Equal("${PINREPORTS_GRAFANA_URL:?set PINREPORTS_GRAFANA_URL in deploy/.env}",
            ((YamlMappingNode)((YamlMappingNode)Services["reportapi"])["environment"])["Notifications__GrafanaBaseUrl"].ToString());

        // Options sections the service binds, and the keys the contract names.
        string[] known = ["ConnectionStrings__Postgres", "Privacy__DeviceIdKey", "Auth__ApiKeys__", "Database__", "Serilog__",
            "Ingest__", "Diagnosis__", "RateLimit__", "Network__", "Retention__", "Pins__", "Tls__", "Kestrel__", "Alerting__", "Notifications__", "ASPNETCORE_"];
        var environment = (YamlMappingNode)((YamlMappingNode)Services["reportapi"])["environment"];
        Assert.NotEmpty(environment.Children);
        foreach (var key in environment.Children.Keys.Select(k => k.ToString()))
        {
            Assert.True(known.Any(k => key.StartsWith(k, StringComparison.Ordinal)), $"reportapi environment key {key} is not read by the service");
        }
        Assert.Contains("ConnectionStrings__Postgres", environment.Children.Keys.Select(k => k.ToString()));
        Assert.Contains("Privacy__DeviceIdKey", environment.Children.Keys.Select(k => k.ToString()));
    }

    [Fact]
    public void Prometheus_scrapes_the_api_on_its_container_port()
    {
        var prometheus = Load(RepositoryPaths.Of("deploy", "prometheus.yml"));
        var job = (YamlMappingNode)((YamlSequenceNode)prometheus["scrape_configs"]).Children[0];
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        var target = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"]).Children[0])["targets"]).Children[0].ToString();
        Assert.Equal("reportapi:8080", target);
    }

    [Fact]
    public void Only_the_tls_proxy_listens_beyond_this_host_and_the_api_believes_only_its_forwarded_address()
    {
        foreach (var (name, node) in Services.Children)
        {
            if (!((YamlMappingNode)node).Children.TryGetValue("ports", out var ports)) continue;
            foreach (var port in ((YamlSequenceNode)ports).Children.Select(p => p.ToString()))
            {
                if (name.ToString() == "caddy") Assert.Matches(@"^(80|443):(80|443)(/udp)?$", port);
                else Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal);
            }
        }
        Assert.Contains("127.0.0.1:8080:8080", ((YamlSequenceNode)((YamlMappingNode)Services["reportapi"])["ports"]).Children.Select(p => p.ToString()));

        var caddyAddress = Scalar(Services["caddy"], "networks", "default", "ipv4_address");
        var environment = (YamlMappingNode)((YamlMappingNode)Services["reportapi"])["environment"];
        Assert.Equal(caddyAddress, environment["Network__TrustedProxies__0"].ToString());
        var subnet = Scalar(Compose["networks"], "default", "ipam", "config", 0, "subnet");
        Assert.True(System.Net.IPNetwork.Parse(subnet).Contains(System.Net.IPAddress.Parse(caddyAddress)), $"{caddyAddress} is outside {subnet}");
        Assert.Contains("./Caddyfile:/etc/caddy/Caddyfile:ro", ((YamlSequenceNode)((YamlMappingNode)Services["caddy"])["volumes"]).Children.Select(v => v.ToString()));
    }

    [Fact]
    public void The_service_connects_as_its_least_privileged_role_and_only_migrate_as_the_owner()
    {
        var service = (YamlMappingNode)((YamlMappingNode)Services["reportapi"])["environment"];
        var migrate = (YamlMappingNode)((YamlMappingNode)Services["migrate"])["environment"];
        Assert.Contains("Username=pinreports_app;", service["ConnectionStrings__Postgres"].ToString(), StringComparison.Ordinal);
        Assert.Contains("Username=pinreports;", migrate["ConnectionStrings__Postgres"].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(service.Children.Keys.Select(k => k.ToString()), k => k.EndsWith("Password", StringComparison.Ordinal));
        Assert.Contains("${PINREPORTS_DB_PASSWORD", migrate["Database__ServicePassword"].ToString(), StringComparison.Ordinal);
        Assert.Contains("${PINREPORTS_DB_PASSWORD", service["ConnectionStrings__Postgres"].ToString(), StringComparison.Ordinal);
        // The migrate step holds no API secret.
        Assert.DoesNotContain(migrate.Children.Keys.Select(k => k.ToString()), k => k.StartsWith("Auth__", StringComparison.Ordinal) || k.StartsWith("Privacy__", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_gets_only_its_own_variables()
    {
        var grafana = (YamlMappingNode)Services["grafana"];
        Assert.False(grafana.Children.ContainsKey("env_file"), "an env_file would hand Grafana every secret of deploy/.env");
        foreach (var key in ((YamlMappingNode)grafana["environment"]).Children.Keys.Select(k => k.ToString()))
        {
            Assert.True(key.StartsWith("GF_", StringComparison.Ordinal) || key == "GRAFANA_DB_PASSWORD", $"grafana gets {key}");
        }
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Scalar(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step is int index ? ((YamlSequenceNode)node).Children[index] : ((YamlMappingNode)node)[(string)step];
        }
        return node.ToString();
    }

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)(:\?|:-|-|\?|\})")]
    private static partial Regex Variable();
}
