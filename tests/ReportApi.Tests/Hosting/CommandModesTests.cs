using Microsoft.Extensions.DependencyInjection;
using ReportApi.Hosting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Hosting;

/// <summary>The one table of command-line modes (issue #18): which exist, which run before the host, and that they dispatch.</summary>
public sealed class CommandModesTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_mode_is_in_the_table_once_and_only_healthcheck_runs_without_the_host()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var modes = CommandModes.Hosting.Concat(app.Services.GetServices<CommandMode>()).ToList();

        Assert.Equal(["backtest", "healthcheck", "migrate", "rediagnose", "trace"], modes.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["healthcheck"], modes.Where(m => !m.NeedsHost).Select(m => m.Name));
    }

    [Fact]
    public async Task Arguments_that_name_no_mode_serve()
    {
        await using var app = await TestApp.StartAsync(postgres);

        Assert.Null(await CommandModes.RunWithoutHostAsync([]));
        Assert.Null(await CommandModes.RunWithoutHostAsync(["--urls", "http://localhost:1"]));
        // migrate needs the host: never run before it.
        Assert.Null(await CommandModes.RunWithoutHostAsync(["migrate"]));
        Assert.Null(await CommandModes.RunWithHostAsync(app.Services, ["healthcheck"]));
        Assert.Null(await CommandModes.RunWithHostAsync(app.Services, ["serve"]));
    }

    [Fact]
    public async Task Healthcheck_answers_from_readyz_before_any_host()
    {
        await using var app = await TestApp.StartAsync(postgres);

        Assert.Equal(0, await CommandModes.RunWithoutHostAsync(["healthcheck", new Uri(app.BaseAddress, "/readyz").ToString()]));
        Assert.Equal(1, await CommandModes.RunWithoutHostAsync(["healthcheck", new Uri(app.BaseAddress, "/no-such-path").ToString()]));
    }

    [Fact]
    public async Task Host_modes_dispatch_to_their_feature()
    {
        await using var app = await TestApp.StartAsync(postgres);

        // Already migrated: migrate is idempotent and succeeds.
        Assert.Equal(0, await CommandModes.RunWithHostAsync(app.Services, ["migrate"]));
        // The feature's own validation answers (exit 2: --from and --to are required), so the mode reached it.
        Assert.Equal(2, await CommandModes.RunWithHostAsync(app.Services, ["rediagnose"]));
        Assert.Equal(2, await CommandModes.RunWithHostAsync(app.Services, ["backtest"]));
    }
}
