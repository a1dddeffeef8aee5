using ReportApi.Data;

namespace ReportApi.Hosting;

/// <summary>What a command-line mode gets: the built host's services (null before the host), its arguments, where to write.</summary>
public sealed record CommandContext(IServiceProvider? Services, string[] Args, TextWriter Output, TextWriter Error)
{
    public IServiceProvider HostServices => Services ?? throw new InvalidOperationException("This mode runs before the host is built.");
}

/// <summary>
/// <c>ReportApi &lt;name&gt; [arguments]</c>: runs instead of the server and exits with the handler's code.
/// <see cref="NeedsHost"/> false runs before the host is built: no configuration, no database (the container healthcheck
/// must answer even when the service's settings are broken); true gets the built host's validated services.
/// </summary>
public sealed record CommandMode(string Name, bool NeedsHost, Func<CommandContext, Task<int>> RunAsync);

/// <summary>
/// The one table of command-line modes (issue #18: three were dispatched three ways). The modes of hosting itself are
/// listed here; a feature's mode (<c>backtest</c>, <c>trace</c>, <c>rediagnose</c>) is registered by the feature with
/// <see cref="AddCommandMode"/>, so this namespace, which every endpoint uses for its problems, imports no feature.
/// Program.cs asks twice: before building the host, then after.
/// </summary>
public static class CommandModes
{
    public static readonly IReadOnlyList<CommandMode> Hosting =
    [
        new("healthcheck", NeedsHost: false, c => HealthCheckCommand.RunAsync(c.Args)),
        new("migrate", NeedsHost: true, MigrateAsync),
    ];

    /// <summary>A feature's mode, run with the built host (features are registered on the host, so they all need it).</summary>
    public static IServiceCollection AddCommandMode(this IServiceCollection services, string name, Func<CommandContext, Task<int>> runAsync) =>
        services.AddSingleton(new CommandMode(name, NeedsHost: true, runAsync));

    /// <summary>The exit code of the mode <paramref name="args"/> name that needs no host; null when there is none.</summary>
    public static async Task<int?> RunWithoutHostAsync(string[] args) =>
        Find(Hosting, args) is { NeedsHost: false } mode ? await mode.RunAsync(new CommandContext(null, args, Console.Out, Console.Error)) : null;

    /// <summary>The exit code of the mode <paramref name="args"/> name, with the built host; null when the arguments name none (serve).</summary>
    public static async Task<int?> RunWithHostAsync(IServiceProvider services, string[] args) =>
        Find([.. Hosting.Where(m => m.NeedsHost), .. services.GetServices<CommandMode>()], args) is { } mode
            ? await mode.RunAsync(new CommandContext(services, args, Console.Out, Console.Error))
            : null;

    private static CommandMode? Find(IEnumerable<CommandMode> modes, string[] args) =>
        args.Length == 0 ? null : modes.FirstOrDefault(m => m.Name == args[0]);

    /// <summary><c>ReportApi migrate</c>: apply migrations and create partitions, then exit (a one-shot deploy step).</summary>
    private static async Task<int> MigrateAsync(CommandContext context)
    {
        var services = context.HostServices;
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        return 0;
    }
}
