using System.CommandLine;
using ProcessFarm.Coordinator.Echo;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// <c>processfarm tune [INPUT] [--mode ...] [--workers 1,2,3,4 | --max-workers M] [--repeat K]</c>: worker counts per
/// core. <c>--mode cluster</c> sweeps workers per node, from 1 to the most slots a node offers.
/// </summary>
internal static class TuneCommand
{
    private static readonly Argument<string?> s_input = new("INPUT")
    {
        Description = "A JPEG or PNG file [default: the built-in sample]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string[]> s_modes = OptionValues.ListOf(
        new Option<string[]>("--mode", "-m")
        {
            Description = "Modes to tune, separated by commas: threads, pipe, shm, all, or cluster (never in all: needs nodes, see --listen; sweeps workers per node)",
            HelpName = "MODES",
        },
        ["threads", "pipe", "shm"],
        all: "all",
        refused: ("serial", "serial runs on one thread whatever the worker count, so there is nothing to tune; use threads, pipe, shm or all"),
        beyondAll: ["cluster"]);

    private static readonly Option<int[]?> s_workers = OptionValues.IntList(new Option<int[]?>("--workers", "-w")
    {
        Description = "Worker counts to try, separated by commas (cluster: per node, at most the nodes' slots; default 1 to the most slots a node offers)",
        HelpName = "COUNTS",
    }, min: 1, max: 256).WithDefaultText("1 to --max-workers");

    private static readonly Option<int> s_maxWorkers = OptionValues.Int(new Option<int>("--max-workers")
    {
        Description = "Without --workers: try 1 to M workers",
        HelpName = "M",
        DefaultValueFactory = _ => Math.Max(4, 2 * Environment.ProcessorCount),
    }, min: 1, max: 256).WithDefaultText("twice the usable cores, at least 4");

    private static readonly Option<int> s_repeat = OptionValues.Int(new Option<int>("--repeat")
    {
        Description = "Timed runs per mode and worker count, after one warm-up; the median decides",
        HelpName = "K",
        DefaultValueFactory = _ => 5,
    }, min: 1, max: 1000);

    public static Command Create()
    {
        var command = new Command("tune", "Time the process step for several worker counts per mode and recommend one per mode")
        {
            s_input, s_modes, s_workers, s_maxWorkers, s_repeat, CommonOptions.SampleSize, CommonOptions.Format, CommonOptions.Json, CommonOptions.Report,
            CommonOptions.InFlight, CommonOptions.JobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        foreach (var option in ClusterOptions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        string format = CommonOptions.OutputFormat(parse);
        string? reportPath = CommonOptions.CheckReportPath(parse);
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose), cancellationToken);
        int[] counts = parse.GetValue(s_workers) is { Length: > 0 } given ? given : [.. Enumerable.Range(1, parse.GetValue(s_maxWorkers))];
        ExecutionMode[] modes = [.. parse.GetValue(s_modes)!.Select(ExecutionModes.Parse)];
        ClusterOptions.RefuseUnlessClustered(parse, modes.Contains(ExecutionMode.Cluster));
        int repeat = parse.GetValue(s_repeat);
        var supervision = CommonOptions.Supervision(parse);
        string? input = parse.GetValue(s_input);

        using var source = LoadSource(input, parse.GetValue(CommonOptions.SampleSize) ?? SampleImage.DefaultGeometry);
        // The baseline first, on an idle machine: the worker binary started with nothing to do. Only worker modes
        // have a start-up to compare with it.
        string? workerPath = modes.Any(m => m is ExecutionMode.Pipe or ExecutionMode.Shm) ? WorkerLocator.Find(supervision.WorkerPath, out _) : null;
        double? bareStartMs = workerPath is null ? null : TuneRunner.MeasureBareStartMs(workerPath, TuneRunner.BareStartRuns);
        await using var farm = modes.Contains(ExecutionMode.Cluster) ? await ClusterOptions.StartFarmAsync(parse, log, cancellationToken) : null;
        int[] clusterCounts = farm is null ? [] : ClusterCounts(farm, parse.GetValue(s_workers), error);
        TuneResult? result = null;
        await Terminal.RunWithProgressAsync(error, "tune", modes.Sum(m => m == ExecutionMode.Cluster ? clusterCounts.Length : counts.Length), async step =>
        {
            result = await TuneRunner.RunAsync(
                source,
                modes,
                mode => mode == ExecutionMode.Cluster ? clusterCounts : counts,
                repeat,
                (mode, workers) => mode switch
                {
                    ExecutionMode.Threads or ExecutionMode.Serial => new InProcessEngine(mode, workers),
                    ExecutionMode.Cluster => ClusterOptions.CreateEngine(farm!, workers, parse, log),
                    _ => WorkerEngine.Create(mode, workers, supervision, log, parse.GetValue(CommonOptions.ShmDirectory)!),
                },
                step,
                cancellationToken);
        });
        var report = new TuneReport(input is null ? "the built-in sample" : input, source.Geometry, repeat, result!, bareStartMs)
        {
            Cluster = farm is null ? null : $"{Plural.Count(farm.LiveNodes.Count, "node")}: {ClusterEcho.DescribeLink(farm.Listener.Endpoint, farm.LiveNodes)}",
        };

        var output = parse.InvocationConfiguration.Output;
        switch (format)
        {
            case "json":
                TuneReportWriter.WriteJson(output, report);
                break;
            case "csv":
                TuneReportWriter.WriteCsv(output, report);
                break;
            case "markdown":
                TuneReportWriter.WriteMarkdown(output, report);
                break;
            default:
                TuneReportWriter.WriteText(output, report);
                break;
        }
        if (reportPath is not null)
        {
            TuneReportWriter.WriteHtml(reportPath, report);
            error.WriteLine($"tune: report written to {Path.GetFullPath(reportPath)}");
        }
        return ExitCode.Success;
    }

    /// <summary>
    /// Workers per node to sweep: those asked for, or 1 to the most slots a node offers. A count above every node's
    /// slots would run the same as that many (a node never runs more than its slots), so it is left out, and said.
    /// </summary>
    /// <exception cref="CommandLineException">Every count asked for is above the nodes' slots.</exception>
    private static int[] ClusterCounts(Cluster.ClusterFarm farm, int[]? asked, TextWriter error)
    {
        int slots = farm.LiveNodes.Max(n => n.Status.Slots);
        if (asked is not { Length: > 0 })
        {
            return [.. Enumerable.Range(1, slots)];
        }
        int[] counts = [.. asked.Where(c => c <= slots)];
        if (counts.Length == 0)
        {
            throw CommandLineException.Usage($"--workers: the nodes offer at most {slots} worker slots each, so cluster cannot try {string.Join(',', asked)} per node");
        }
        if (counts.Length < asked.Length)
        {
            error.WriteLine($"processfarm: tune: the nodes offer at most {slots} worker slots each; cluster leaves out {string.Join(',', asked.Where(c => c > slots))} per node");
        }
        return counts;
    }

    private static PixelBuffer LoadSource(string? input, ImageGeometry sampleGeometry)
    {
        if (input is null)
        {
            var sample = PixelBuffer.Allocate(sampleGeometry);
            SampleImage.Generate(sample);
            return sample;
        }
        return ImageFile.DecodeInput(input, ImageFile.DefaultMaxPixels, PixelBuffer.Allocate);
    }
}
