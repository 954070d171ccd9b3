using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Workers;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// <c>processfarm node --join ADDRESS:PORT [--workers N] [--advertise ADDRESS]</c>: an Orleans silo on this machine
/// that offers N worker slots to coordinators and starts ordinary worker processes for them. Runs until SIGINT or
/// SIGTERM (exit 0), killing its workers. With <c>--tls</c> its silo links are TLS with the farm's certificate; a
/// node and a coordinator that disagree about --tls get a message saying so (<see cref="CheckTlsAgreesAsync"/>).
/// </summary>
internal static class NodeCommand
{
    private static readonly Option<IPEndPoint?> s_join = new("--join")
    {
        Description = "ADDRESS:PORT of the coordinator's silo (its --listen) to join (development clustering)",
        HelpName = "ADDRESS:PORT",
        CustomParser = r => ClusterOptions.ParseEndpoint(r, "--join"),
    };

    private static readonly Option<IPAddress?> s_advertise = new Option<IPAddress?>("--advertise")
    {
        Description = "The IP address of this machine that coordinators and their workers reach it at",
        HelpName = "ADDRESS",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
            if (IPAddress.TryParse(text, out var address))
            {
                return address;
            }
            r.AddError($"--advertise takes an IP address, not '{text}'");
            return null;
        },
    }.WithDefaultText("the address this machine reaches --join from");

    /// <summary>How long the --tls agreement check waits for the coordinator's silo to answer a TLS handshake.</summary>
    private static readonly TimeSpan s_tlsProbeTimeout = TimeSpan.FromSeconds(5);

    private static readonly Option<int> s_port = OptionValues.Int(new Option<int>("--port")
    {
        Description = "The silo's TCP port (0: a free port)",
        HelpName = "PORT",
        DefaultValueFactory = _ => 0,
    }, min: 0, max: 65535);

    public static Command Create()
    {
        var workers = OptionValues.Int(new Option<int>("--workers", "-w")
        {
            Description = "Worker slots this node offers: worker processes it runs at once for coordinators",
            HelpName = "N",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        }, min: 1, max: 1024).WithDefaultText("the usable cores");
        var command = new Command("node", "Join a cluster as a node that runs worker processes for coordinators in --mode cluster, until Ctrl+C")
        {
            s_join, ClusterOptions.Redis, workers, s_advertise, s_port, ClusterOptions.Tls, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var join = parse.GetValue(s_join);
        string? redis = parse.GetValue(ClusterOptions.Redis);
        if ((join is null) == (redis is null))
        {
            throw CommandLineException.Usage("node: give --join ADDRESS:PORT (a coordinator's silo) or --cluster redis://ADDRESS:PORT, one of them");
        }
        var error = parse.InvocationConfiguration.Error;
        bool verbose = parse.GetValue(CommonOptions.Verbose);
        var log = LineLogger.For(error, verbose, cancellationToken);
        string workerPath = WorkerLocator.Find(parse.GetValue(CommonOptions.WorkerPath), out var searched)
            ?? throw new WorkerFailedException($"worker executable not found (looked for {string.Join(", ", searched)}); build it with 'dotnet build -c Release' or pass --worker-path");
        using var tls = ClusterOptions.LoadTls(parse);
        if (join is not null && tls is not null)
        {
            await CheckTlsAgreesAsync(join, tls, cancellationToken);
        }
        var given = parse.GetValue(s_advertise);
        IPAddress advertise;
        int port;
        try
        {
            advertise = given ?? LocalAddressFacing(join?.Address ?? IPEndPoint.Parse(redis!).Address);
            port = parse.GetValue(s_port) is > 0 and var fixedPort ? fixedPort : FreePort(advertise);
        }
        catch (SocketException e) when (given is not null)
        {
            throw CommandLineException.Usage($"--advertise {given}: not an address of this machine ({e.Message})");
        }
        catch (SocketException e)
        {
            throw new ClusterException($"no local address reaches {join?.Address.ToString() ?? redis}: {e.Message}; give --advertise ADDRESS", e);
        }
        int slots = parse.GetValue(workersOption);
        var settings = new ClusterSettings(advertise, port, join, redis,
            string.Create(CultureInfo.InvariantCulture, $"{ClusterSettings.NodePrefix}{Environment.MachineName}/{Environment.ProcessId}"),
            tls);

        using var workers = new NodeWorkers(workerPath, slots, advertise.ToString(), log);
        using var silo = await JoinAsync(settings, workers, verbose, cancellationToken);
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"processfarm node: {settings.Name} at {advertise}:{port}, {slots} worker slots, joined {(redis is null ? "coordinator " + join : "Redis " + redis)}{(tls is null ? string.Empty : " over TLS")}; Ctrl+C stops"));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: the node's normal end.
        }
        workers.Dispose(); // the workers first: their runs lose them either way, and they must not outlive us
        await FarmSilo.StopAsync(silo);
        return ExitCode.Success;
    }

    /// <summary>
    /// Starts the node's silo. A plain node whose join failed asks the coordinator for a TLS handshake only then, to
    /// say so if it is a --tls coordinator: a plain silo takes a TLS hello for a broken connection, so a healthy plain
    /// farm is never probed (it measurably upset node-failure recovery in the cluster tests).
    /// </summary>
    /// <exception cref="ClusterException">The silo could not start or join.</exception>
    private static async Task<Microsoft.Extensions.Hosting.IHost> JoinAsync(ClusterSettings settings, NodeWorkers workers, bool verbose, CancellationToken cancellationToken)
    {
        try
        {
            return await FarmSilo.StartAsync(settings, s => s.AddSingleton(workers), verbose, cancellationToken);
        }
        catch (ClusterException) when (settings.Tls is null && settings.Primary is { } join)
        {
            await CheckTlsAgreesAsync(join, null, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Fails with a clear message when this node and the coordinator at <paramref name="join"/> disagree about --tls
    /// (each side would drop the other's connections, and the join only fail when its attempts run out). A --tls node
    /// asks before joining; a plain node after its join failed (<see cref="JoinAsync"/>).
    /// </summary>
    /// <exception cref="ClusterException">They disagree, or the certificates differ.</exception>
    private static async Task CheckTlsAgreesAsync(IPEndPoint join, FarmTls? tls, CancellationToken cancellationToken)
    {
        bool? speaksTls = await FarmTls.ProbeAsync(join, tls, s_tlsProbeTimeout, cancellationToken);
        if (tls is not null && speaksTls == false)
        {
            throw new ClusterException($"the coordinator's silo at {join} does not use TLS: start it with --tls and the same certificate file, or this node without --tls");
        }
    }

    /// <summary>The local address the kernel would use to reach <paramref name="remote"/> (no packet is sent).</summary>
    private static IPAddress LocalAddressFacing(IPAddress remote)
    {
        if (IPAddress.IsLoopback(remote))
        {
            return remote;
        }
        using var probe = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(new IPEndPoint(remote, 9));
        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }

    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
