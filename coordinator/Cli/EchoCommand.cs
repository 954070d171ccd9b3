using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ProcessFarm.Coordinator.Echo;
using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// <c>processfarm echo</c>: the threads-vs-processes serialization experiment. Payloads go to the workers and
/// back untouched, so the transport alone is measured. <c>--mode cluster</c> adds three rows measured in the same
/// run over the same link: cluster (frames over TCP to workers on the nodes), rpc (grain calls) and tcp (bare sockets).
/// </summary>
internal static class EchoCommand
{
    private static readonly string[] s_modes = ["threads", "pipe", "shm"];

    private static readonly long[] s_defaultSizes = [1L << 10, 4L << 10, 16L << 10, 64L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20, 256L << 20];

    private static readonly Option<string[]> s_mode = OptionValues.ListOf(new Option<string[]>("--mode", "-m")
    {
        Description = "Modes to compare, separated by commas: threads, pipe, shm, all, or cluster (never in all: needs nodes, see --listen; gives the rows cluster, rpc and tcp)",
        HelpName = "MODES",
    }, s_modes, all: "all", beyondAll: ["cluster"]);

    private static readonly Option<string[]> s_payload = OptionValues.ListOf(new Option<string[]>("--payload")
    {
        Description = "complex (N complex numbers, serialized item by item in pipe mode), bytes (the --size sweep), or all",
        HelpName = "PAYLOADS",
    }, ["complex", "bytes"], all: "all");

    private static readonly Option<int> s_count = OptionValues.Int(new Option<int>("--count")
    {
        Description = "Complex numbers in the complex payload (the article: 15,000,000)",
        HelpName = "N",
        DefaultValueFactory = _ => 15_000_000,
    }, min: 1, max: 100_000_000);

    private static readonly Option<long[]> s_sizes = new Option<long[]>("--size")
    {
        Description = "Sizes of the bytes payload, separated by commas, with K, M or G (powers of 1024)",
        HelpName = "SIZES",
        CustomParser = ParseSizes,
        DefaultValueFactory = _ => s_defaultSizes,
    }.WithDefaultText(string.Join(',', s_defaultSizes.Select(EchoReportWriter.SizeAsTyped)));

    private static readonly Option<int> s_repeat = OptionValues.Int(new Option<int>("--repeat")
    {
        Description = "Round trips per mode and size; the report gives median, min and max",
        HelpName = "K",
        DefaultValueFactory = _ => 3,
    }, min: 1, max: 1000);

    private static readonly Option<int> s_latency = OptionValues.Int(new Option<int>("--latency-round-trips")
    {
        Description = "64-byte round trips per mode for the latency percentiles (0 skips them)",
        HelpName = "N",
        DefaultValueFactory = _ => 100_000,
    }, min: 0, max: 10_000_000);

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        var command = new Command("echo", "Send payloads to workers and back untouched and measure the transport: threads vs pipe vs shm")
        {
            s_mode, workers, s_payload, s_count, s_sizes, s_repeat, s_latency, CommonOptions.Format, CommonOptions.Json, CommonOptions.Report,
            CommonOptions.InFlight, CommonOptions.JobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        foreach (var option in ClusterOptions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        string format = CommonOptions.OutputFormat(parse);
        string? reportPath = CommonOptions.CheckReportPath(parse);
        string[] modes = parse.GetValue(s_mode)!;
        string[] payloadKinds = parse.GetValue(s_payload)!;
        int repeat = parse.GetValue(s_repeat);
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose), cancellationToken);

        var payloads = new List<Func<EchoPayload>>();
        if (payloadKinds.Contains("complex"))
        {
            int count = parse.GetValue(s_count);
            payloads.Add(() => EchoPayload.OfComplex(count));
        }
        if (payloadKinds.Contains("bytes"))
        {
            foreach (long size in parse.GetValue(s_sizes)!)
            {
                payloads.Add(() => EchoPayload.OfBytes((int)size));
            }
        }

        var results = new List<EchoMeasurement>();
        var latency = new List<LatencyMeasurement>();
        var supervision = CommonOptions.Supervision(parse);
        string shmDirectory = parse.GetValue(CommonOptions.ShmDirectory)!;
        ClusterOptions.RefuseUnlessClustered(parse, modes.Contains("cluster"));
        await using var farm = modes.Contains("cluster") ? await ClusterOptions.StartFarmAsync(parse, log, cancellationToken) : null;
        await using var runner = modes.Any(m => m is "pipe" or "shm")
            ? await EchoRunner.StartAsync(parse.GetValue(workersOption), supervision, shmDirectory, "pipe", log, cancellationToken)
            : null;
        EchoRunner? clusterRunner = null;
        ClusterEcho? clusterEcho = null;
        EchoClusterRun? clusterRun = null;
        if (farm is not null)
        {
            // As in process: an explicit --workers is per node, else each node's slots.
            int? perNode = parse.GetResult(workersOption) is { Implicit: false } ? parse.GetValue(workersOption) : null;
            int capacity = farm.Capacity(perNode);
            clusterRunner = await EchoRunner.StartAsync(capacity, supervision with { Launcher = farm.CreateLauncher(perNode) }, shmDirectory, "cluster", log, cancellationToken);
            var nodes = farm.LiveNodes;
            clusterEcho = new ClusterEcho(nodes, capacity, supervision.InFlight);
            clusterRun = new EchoClusterRun(ClusterEcho.DescribeLink(farm.Listener.Endpoint, nodes), nodes.Count, capacity);
        }
        await using (clusterRunner)
        {
            int roundTrips = parse.GetValue(s_latency);
            // cluster is three rows: its frames, then rpc and tcp for bytes payloads.
            int bytesPayloads = payloadKinds.Contains("bytes") ? parse.GetValue(s_sizes)!.Length : 0;
            int extra = clusterEcho is null ? 0 : 2;
            int steps = (payloads.Count * modes.Length) + (extra * bytesPayloads) + (roundTrips > 0 ? modes.Length + extra : 0);
            await Terminal.RunWithProgressAsync(error, "echo", steps, async report =>
            {
                int step = 0;
                void Report(string what) => report(string.Create(CultureInfo.InvariantCulture, $"echo [{++step}/{steps}] {what}"));
                foreach (var create in payloads)
                {
                    var payload = create();
                    string what = string.Create(CultureInfo.InvariantCulture, $"{payload.Kind} {EchoReportWriter.Size(payload.DataBytes)} x {repeat}");
                    foreach (string mode in modes)
                    {
                        Report($"{mode} {what}");
                        results.Add(mode switch
                        {
                            "threads" => await EchoRunner.MeasureThreadsAsync(payload, repeat),
                            "pipe" => await runner!.MeasureFramesAsync(payload, repeat, cancellationToken),
                            "cluster" => await clusterRunner!.MeasureFramesAsync(payload, repeat, cancellationToken),
                            _ => await runner!.MeasureShmAsync(payload, repeat, cancellationToken),
                        });
                        if (mode == "cluster" && payload.Bytes is not null)
                        {
                            Report($"rpc {what}");
                            results.Add(await ClusterEcho.RowAsync("rpc", () => clusterEcho!.MeasureRpcAsync(payload, repeat, cancellationToken), cancellationToken));
                            Report($"tcp {what}");
                            results.Add(await ClusterEcho.RowAsync("tcp", () => clusterEcho!.MeasureTcpAsync(payload, repeat, cancellationToken), cancellationToken));
                        }
                    }
                }
                if (roundTrips > 0)
                {
                    foreach (string mode in modes)
                    {
                        Report($"latency: {mode}, {roundTrips} round trips of 64 bytes");
                        latency.Add(mode switch
                        {
                            "threads" => await EchoRunner.MeasureThreadLatencyAsync(64, roundTrips),
                            "cluster" => await clusterRunner!.MeasureLatencyAsync(mode, 64, roundTrips, cancellationToken),
                            _ => await runner!.MeasureLatencyAsync(mode, 64, roundTrips, cancellationToken),
                        });
                        if (mode == "cluster")
                        {
                            Report($"latency: rpc, {roundTrips} round trips of 64 bytes");
                            latency.Add(await ClusterEcho.RowAsync("rpc latency", () => clusterEcho!.MeasureRpcLatencyAsync(64, roundTrips, cancellationToken), cancellationToken));
                            Report($"latency: tcp, {roundTrips} round trips of 64 bytes");
                            latency.Add(await ClusterEcho.RowAsync("tcp latency", () => clusterEcho!.MeasureTcpLatencyAsync(64, roundTrips, cancellationToken), cancellationToken));
                        }
                    }
                }
            });
        }

        var output = parse.InvocationConfiguration.Output;
        int workers = parse.GetValue(workersOption);
        switch (format)
        {
            case "json":
                EchoReportWriter.WriteJson(output, results, latency, repeat, clusterRun);
                break;
            case "csv":
                EchoReportWriter.WriteCsv(output, results);
                break;
            case "markdown":
                EchoReportWriter.WriteMarkdown(output, results, latency, clusterRun);
                break;
            default:
                EchoReportWriter.WriteText(output, results, latency, workers, Terminal.IsPlain(output), clusterRun);
                break;
        }
        if (reportPath is not null)
        {
            EchoReportWriter.WriteHtml(reportPath, results, latency, repeat, workers, clusterRun);
            error.WriteLine($"echo: report written to {Path.GetFullPath(reportPath)}");
        }
        return ExitCode.Success;
    }

    private static long[]? ParseSizes(ArgumentResult result)
    {
        string text = string.Join(',', result.Tokens.Select(t => t.Value));
        var sizes = new List<long>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            long multiplier = part.Length == 0 ? 1 : char.ToUpperInvariant(part[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
            string digits = multiplier == 1 ? part : part[..^1];
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1 || value > Array.MaxLength / multiplier)
            {
                result.AddError(part.Length == 0
                    ? $"--size: {(text.Trim().Length == 0 ? "an empty value" : $"an empty size in '{text}'")}; give sizes such as 1K,4M,256M"
                    : $"--size takes sizes such as 1K,4M,256M (1 byte to 2 GiB), not '{part}'");
                return null;
            }
            sizes.Add(value * multiplier);
        }
        return [.. sizes];
    }
}
