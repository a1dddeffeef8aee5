using System.Collections.Concurrent;

namespace ReportApi.Observability;

/// <summary>
/// The service's <see cref="ILoggerFactory"/>: Serilog's, with one logger per category made once. Serilog's factory
/// builds a new logger and a property cache on every <c>CreateLogger</c>, and ASP.NET Core asks for one on every
/// request (each authentication handler, each <c>TypedResults</c> result): under ingest load that was ≈ 8 % of the
/// service's allocations. Loggers are immutable once made, so sharing them changes no output.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The wrapped factory was made for this one, so it is disposed with it (Serilog flushes its sinks there).</summary>
    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the last registered <see cref="ILoggerFactory"/> (Serilog's, from <c>AddSerilog</c>).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(provider => new CachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }
}
