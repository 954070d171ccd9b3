using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// Builds and starts the Orleans silo of a coordinator or a node, configured in code (docs/DESIGN.md): development
/// clustering on the coordinator's primary silo, or Redis clustering; membership probes tuned so that a dead node is
/// declared dead in seconds rather than the default tens of seconds; with --tls, TLS on every silo link (<see cref="FarmTls"/>).
/// </summary>
internal static class FarmSilo
{
    /// <summary>Probe every node every second, declare it dead after 2 missed probes on 1 vote (docs/RESULTS.md, "Node failure").</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo suspects another.</summary>
    public const int MissedProbes = 2;

    /// <summary>
    /// Starts a silo with <paramref name="settings"/>; <paramref name="services"/> adds the silo's own services (a
    /// node's <see cref="NodeWorkers"/>). Orleans' own log goes to stderr at warning level with --verbose only.
    /// </summary>
    /// <exception cref="ClusterException">The silo could not start (port taken, primary or Redis unreachable).</exception>
    public static async Task<IHost> StartAsync(ClusterSettings settings, Action<IServiceCollection>? services, bool verbose, CancellationToken cancellationToken)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (verbose)
        {
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services?.Invoke(builder.Services);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterSettings.ClusterId;
                o.ServiceId = ClusterSettings.ClusterId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = settings.Name);
            if (settings.Redis is { } redis)
            {
                silo.UseRedisClustering(redis);
            }
            else
            {
                silo.UseDevelopmentClustering(settings.Primary!);
            }
            silo.ConfigureEndpoints(settings.Address, settings.SiloPort, gatewayPort: 0, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = ProbeTimeout;
                o.NumMissedProbesLimit = MissedProbes;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
                o.MaxJoinAttemptTime = TimeSpan.FromSeconds(20);
            });
            // A grain call to a node that died is answered by the membership change, not after the default 30 s.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
            silo.Services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
            settings.Tls?.Apply(silo);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            string what = settings.Redis is { } redis ? $"with Redis at {redis}" : settings.Primary is { } primary && !primary.Equals(new System.Net.IPEndPoint(settings.Address, settings.SiloPort)) ? $"joining {primary}" : "as the primary";
            throw new ClusterException($"the cluster silo on {settings.Address}:{settings.SiloPort} could not start {what}: {Innermost(e)}", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Leaves the cluster within 5 s. Leaving takes longer when the primary or Redis is gone; the process goes on
    /// anyway, and membership declares this silo dead instead.
    /// </summary>
    public static async Task StopAsync(IHost silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await silo.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Orleans.Runtime.OrleansException or InvalidOperationException)
        {
            // Too slow or refused: see above.
        }
    }

    /// <summary>The root cause's first line: Orleans nests the real reason (a refused connection) under generic wrappers whose messages carry stack traces.</summary>
    private static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }
        string message = e.Message;
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
