using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary><c>processfarm tune [INPUT] [--modes ...] [--workers 1,2,3,4 | --max-workers M] [--repeat K]</c>: worker counts per core.</summary>
internal static class TuneCommand
{
    private static readonly Argument<string?> s_input = new("INPUT")
    {
        Description = "A JPEG or PNG file [default: the built-in sample]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<ExecutionMode[]> s_modes = new("--modes")
    {
        Description = "Comma-separated modes to tune: threads, pipe, shm",
        CustomParser = ParseModes,
        DefaultValueFactory = _ => [ExecutionMode.Threads, ExecutionMode.Pipe, ExecutionMode.Shm],
    };

    private static readonly Option<int[]?> s_workers = new("--workers", "-w")
    {
        Description = "Comma-separated worker counts [default: 1 to --max-workers]",
        CustomParser = ParseCounts,
    };

    private static readonly Option<int> s_maxWorkers = CommonOptions.Positive(new Option<int>("--max-workers")
    {
        Description = "Try 1..M workers [default: twice the usable cores, at least 4]",
        DefaultValueFactory = _ => Math.Max(4, 2 * Environment.ProcessorCount),
    }, max: 256);

    private static readonly Option<int> s_repeat = CommonOptions.Positive(new Option<int>("--repeat")
    {
        Description = "Runs per mode and worker count; the median decides",
        DefaultValueFactory = _ => 5,
    }, max: 1000);

    private static readonly Option<string> s_format = new Option<string>("--format")
    {
        Description = "text | json | csv | markdown",
        DefaultValueFactory = _ => "text",
    }.AcceptOnlyFromAmong("text", "json", "csv", "markdown");

    public static Command Create()
    {
        var command = new Command("tune", "Time the process step for several worker counts per mode and recommend one per mode")
        {
            s_input, s_modes, s_workers, s_maxWorkers, s_repeat, CommonOptions.SampleSize, s_format, CommonOptions.Report,
            CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        string? reportPath = CommonOptions.CheckReportPath(parse);
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose));
        int[] counts = parse.GetValue(s_workers) is { Length: > 0 } given ? given : [.. Enumerable.Range(1, parse.GetValue(s_maxWorkers))];
        var modes = parse.GetValue(s_modes)!;
        int repeat = parse.GetValue(s_repeat);
        var supervision = CommonOptions.Supervision(parse);
        string? input = parse.GetValue(s_input);

        using var source = LoadSource(input, parse.GetValue(CommonOptions.SampleSize) ?? SampleImage.DefaultGeometry);
        // The baseline first, on an idle machine: the worker binary started with nothing to do.
        string? workerPath = WorkerLocator.Find(supervision.WorkerPath, out _);
        double bareStartMs = workerPath is null ? 0 : TuneRunner.MeasureBareStartMs(workerPath, 5);
        TuneResult? result = null;
        await Terminal.RunWithProgressAsync(error, "tune", modes.Length * counts.Length, async step =>
        {
            result = await TuneRunner.RunAsync(
                source,
                modes,
                counts,
                repeat,
                (mode, workers) => mode == ExecutionMode.Threads || mode == ExecutionMode.Serial
                    ? new InProcessEngine(mode, workers)
                    : WorkerEngine.Create(mode, workers, supervision, log, parse.GetValue(CommonOptions.ShmDirectory)!),
                step,
                cancellationToken);
        });
        var report = new TuneReport(input is null ? "the built-in sample" : input, source.Geometry, repeat, result!, bareStartMs);

        var output = parse.InvocationConfiguration.Output;
        switch (parse.GetValue(s_format))
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

    private static PixelBuffer LoadSource(string? input, ImageGeometry sampleGeometry)
    {
        if (input is null)
        {
            var sample = PixelBuffer.Allocate(sampleGeometry);
            SampleImage.Generate(sample);
            return sample;
        }
        return ImageFile.DecodeInput(input, Shared.Imaging.ImageFile.DefaultMaxPixels, PixelBuffer.Allocate);
    }

    private static ExecutionMode[]? ParseModes(ArgumentResult result)
    {
        var modes = new List<ExecutionMode>();
        foreach (string name in string.Join(',', result.Tokens.Select(t => t.Value)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name is not ("threads" or "pipe" or "shm" or "serial"))
            {
                result.AddError($"--modes takes threads, pipe, shm or serial, not '{name}'");
                return null;
            }
            modes.Add(ExecutionModes.Parse(name));
        }
        return [.. modes.Distinct()];
    }

    private static int[]? ParseCounts(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null; // not given: 1 to --max-workers
        }
        var counts = new List<int>();
        foreach (string part in string.Join(',', result.Tokens.Select(t => t.Value)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count is < 1 or > 256)
            {
                result.AddError($"--workers takes counts from 1 to 256 separated by commas, not '{part}'");
                return null;
            }
            counts.Add(count);
        }
        return [.. counts.Distinct().Order()];
    }
}
