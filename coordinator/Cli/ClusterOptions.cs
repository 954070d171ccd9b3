using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Execution;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// The options of <c>--mode cluster</c> (process, echo) and of <c>processfarm node</c>, their parsers, and the farm
/// they describe.
/// </summary>
internal static class ClusterOptions
{
    /// <summary>The silo port a coordinator listens on when --listen gives none.</summary>
    public const int DefaultSiloPort = 11111;

    public static readonly Option<IPEndPoint> Listen = new("--listen")
    {
        Description = "cluster mode: ADDRESS:PORT of this coordinator's silo, which nodes join (development clustering); workers connect back to ADDRESS",
        HelpName = "ADDRESS:PORT",
        CustomParser = r => ParseEndpoint(r, "--listen"),
        DefaultValueFactory = _ => new IPEndPoint(IPAddress.Loopback, DefaultSiloPort),
    };

    public static readonly Option<string?> Redis = new("--cluster")
    {
        Description = "cluster mode: redis://HOST:PORT, membership in Redis (a long-lived farm whose nodes outlive coordinators) instead of this coordinator's silo",
        HelpName = "URL",
        CustomParser = ParseRedis,
    };

    public static readonly Option<int> Nodes = OptionValues.Int(new Option<int>("--nodes")
    {
        Description = "cluster mode: wait until this many nodes have joined before starting (at most --node-wait-ms)",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
    }, min: 1, max: 1024);

    public static readonly Option<int> NodeWaitMs = OptionValues.Int(new Option<int>("--node-wait-ms")
    {
        Description = "cluster mode: how long to wait for --nodes nodes",
        HelpName = "MS",
        DefaultValueFactory = _ => 30_000,
    }, min: 1, max: int.MaxValue);

    /// <summary>The transports <c>--transport</c> names; the first is the default.</summary>
    public static readonly string[] Transports = ["frames", "rpc"];

    public static readonly Option<string> Transport = OptionValues.OneOf(new Option<string>("--transport")
    {
        Description = "cluster mode: how tiles reach the nodes: frames (bin frames over TCP to the worker processes the nodes start) or rpc (Orleans grain calls to the nodes themselves, to compare)",
        HelpName = "TRANSPORT",
        DefaultValueFactory = _ => Transports[0],
    }, Transports);

    /// <summary>The environment variable holding --tls's password, if the file has one (not an option: command lines are public).</summary>
    public const string TlsPasswordVariable = "PROCESSFARM_TLS_PASSWORD";

    public static readonly Option<FileInfo?> Tls = new("--tls")
    {
        Description = $"cluster mode: encrypt the silo links and the workers' frames with this PKCS#12 file (certificate and private key, the same file on the coordinator and every node; a password in ${TlsPasswordVariable})",
        HelpName = "PFX",
    };

    /// <summary>The options every command with a cluster mode takes.</summary>
    public static Option[] All => [Listen, Redis, Nodes, NodeWaitMs, Tls];

    /// <summary>
    /// Refuses cluster options given on a command line that runs no cluster mode: ignored silently, a --path-map or
    /// --tls would let the user believe something happened that did not.
    /// </summary>
    /// <exception cref="CommandLineException">One of <see cref="All"/> or <paramref name="more"/> was given (exit 2).</exception>
    public static void RefuseUnlessClustered(ParseResult parse, bool clustered, params Option[] more)
    {
        if (clustered)
        {
            return;
        }
        foreach (var option in All.Concat(more))
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw CommandLineException.Usage($"{option.Name} applies to --mode cluster only");
            }
        }
    }

    /// <summary>The farm's certificate from --tls, or null without it.</summary>
    /// <exception cref="CommandLineException">The file is missing, unreadable, has no private key or the wrong usage (exit 2).</exception>
    public static FarmTls? LoadTls(ParseResult parse)
    {
        if (parse.GetValue(Tls) is not { } file)
        {
            return null;
        }
        try
        {
            return FarmTls.Load(file.FullName, Environment.GetEnvironmentVariable(TlsPasswordVariable));
        }
        catch (FileNotFoundException)
        {
            throw CommandLineException.Usage($"--tls: no such file '{file.FullName}'; give a PKCS#12 (.pfx) file with the farm's certificate and its private key");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw CommandLineException.Usage($"--tls: cannot use '{file.FullName}': {e.Message.TrimEnd('.')} (a PKCS#12 file with the private key; its password, if any, in ${TlsPasswordVariable})");
        }
    }

    /// <summary>Starts the coordinator's side of the cluster and waits for its nodes.</summary>
    /// <exception cref="CommandLineException">--tls names an unusable file.</exception>
    /// <exception cref="ClusterException">The silo cannot start, or too few nodes joined in time.</exception>
    public static Task<ClusterFarm> StartFarmAsync(ParseResult parse, ILogger log, CancellationToken cancellationToken)
    {
        var listen = parse.GetValue(Listen)!;
        string? redis = parse.GetValue(Redis);
        var settings = new ClusterSettings(
            listen.Address,
            listen.Port,
            redis is null ? listen : null,
            redis,
            string.Create(CultureInfo.InvariantCulture, $"coordinator/{Environment.MachineName}/{Environment.ProcessId}"),
            LoadTls(parse));
        var supervision = CommonOptions.Supervision(parse);
        return ClusterFarm.StartAsync(settings, parse.GetValue(Nodes), TimeSpan.FromMilliseconds(parse.GetValue(NodeWaitMs)), supervision.HelloTimeout, log, parse.GetValue(CommonOptions.Verbose), cancellationToken);
    }

    /// <summary>The cluster engine: pipe frames to the nodes' workers, <paramref name="workersPerNode"/> on each (null: each node's slots).</summary>
    public static WorkerEngine CreateEngine(ClusterFarm farm, int? workersPerNode, ParseResult parse, ILogger log) =>
        WorkerEngine.Create(ExecutionMode.Cluster, farm.Capacity(workersPerNode), CommonOptions.Supervision(parse) with { Launcher = farm.CreateLauncher(workersPerNode) }, log);

    /// <summary>
    /// The engine for <c>process --mode cluster</c>: frames to the nodes' workers (<see cref="CreateEngine"/>), or
    /// grain calls with <c>--transport rpc</c>.
    /// </summary>
    public static IExecutionEngine CreateTileEngine(ClusterFarm farm, int? workersPerNode, ParseResult parse, ILogger log) =>
        parse.GetValue(Transport) == "rpc"
            ? new RpcTileEngine(farm, workersPerNode, CommonOptions.Supervision(parse))
            : CreateEngine(farm, workersPerNode, parse, log);

    /// <summary>Refuses <c>--transport rpc</c> where there are no tiles to send as grain calls.</summary>
    /// <exception cref="CommandLineException">rpc without --mode cluster, or for a batch of whole files.</exception>
    public static void CheckTransport(ParseResult parse, ExecutionMode mode, bool wholeFiles)
    {
        if (parse.GetValue(Transport) != "rpc")
        {
            return;
        }
        if (mode != ExecutionMode.Cluster)
        {
            throw CommandLineException.Usage($"--transport rpc: tiles go to cluster nodes as grain calls only in --mode cluster, not {mode.Name()}");
        }
        if (wholeFiles)
        {
            throw CommandLineException.Usage("--transport rpc sends tiles of one image; a batch with --batch-strategy files sends whole files to the nodes' workers (use --batch-strategy strips, or the default transport)");
        }
    }

    /// <summary>Parses ADDRESS:PORT (an IP address, not a host name: it is also what the others are told to reach).</summary>
    public static IPEndPoint? ParseEndpoint(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 && text.Contains(':', StringComparison.Ordinal))
        {
            return endpoint;
        }
        result.AddError($"{name} takes ADDRESS:PORT with an IP address and a port from 1 to 65535, not '{text}'");
        return null;
    }

    private static string? ParseRedis(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        const string Scheme = "redis://";
        if (text.StartsWith(Scheme, StringComparison.Ordinal) && IPEndPoint.TryParse(text[Scheme.Length..], out var endpoint) && endpoint.Port > 0)
        {
            return endpoint.ToString();
        }
        result.AddError($"--cluster takes redis://ADDRESS:PORT, not '{text}'");
        return null;
    }
}
