using System.CommandLine;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary><c>processfarm process [INPUT] [-o OUTPUT] [--mode ...] ...</c>: exposure/gamma on one image.</summary>
internal static class ProcessCommand
{
    public const string DefaultSampleOutput = "sample-processed.jpg";

    private static readonly Argument<string[]> s_input = new("INPUT")
    {
        Description = "Image files (JPEG, PNG, GIF, BMP, TIFF, WebP, TGA, PBM/PGM/PPM), or directories of them (a batch: needs -o DIR); a file whose name starts with '-' goes after --",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string?> s_output = new Option<string?>("--output", "-o")
    {
        Description = "Output file; its extension picks the format (.jpg, .png, .gif, .bmp, .tif, .webp, .tga, .pgm, .ppm, .pbm). For a batch: the output directory (created if missing; files keep their names)",
        HelpName = "PATH",
    }.WithDefaultText($"INPUT-processed.EXT beside the input, or ./{DefaultSampleOutput}");

    private static readonly Option<string> s_mode = OptionValues.OneOf(new Option<string>("--mode", "-m")
    {
        Description = "serial, threads, pipe, shm or cluster (workers on the nodes that joined this coordinator, see --listen)",
        HelpName = "MODE",
        DefaultValueFactory = _ => "threads",
    }, ExecutionModes.WithCluster);

    private static readonly Option<string[]> s_pathMap = new("--path-map")
    {
        Description = "cluster batches: LOCAL=REMOTE, where the nodes see this machine's directory LOCAL (shared storage): only paths travel; without it the encoded files travel",
        HelpName = "LOCAL=REMOTE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> s_skipExisting = new("--skip-existing")
    {
        Description = "Batch: leave out inputs whose output exists already (a batch resumed after its coordinator died; outputs are only ever whole)",
    };

    private static readonly Option<int?> s_tileRows = OptionValues.Int(new Option<int?>("--tile-rows")
    {
        Description = "Rows per tile",
        HelpName = "ROWS",
    }, min: 1, max: int.MaxValue).WithDefaultText("4 tiles per thread, 8 per worker process");

    private static readonly Option<int?> s_stripRows = OptionValues.Int(new Option<int?>("--strip-rows")
    {
        Description = "Rows per streamed strip",
        HelpName = "ROWS",
    }, min: 1, max: int.MaxValue).WithDefaultText("about 4 MB of pixels, in 16-row steps");

    private static readonly Option<int> s_quality = OptionValues.Int(new Option<int>("--quality", "-q")
    {
        Description = "JPEG quality",
        HelpName = "Q",
        DefaultValueFactory = _ => 90,
    }, min: 1, max: 100);

    private static readonly Option<string> s_codec = OptionValues.OneOf(new Option<string>("--codec")
    {
        Description = "Who reads and writes JPEG and PNG: auto (libjpeg-turbo and libpng; ImageSharp for CMYK JPEG), native, or imagesharp (to compare the managed codec); other formats are always ImageSharp's",
        HelpName = "CODEC",
        DefaultValueFactory = _ => "auto",
    }, [.. ImageCodecs.ChoiceNames]);

    private static readonly Option<bool> s_noStream = new("--no-stream")
    {
        Description = "Decode the whole image, then process it, then encode it, instead of overlapping the three strip by strip",
    };

    private static readonly Option<string> s_batchStrategy = OptionValues.OneOf(new Option<string>("--batch-strategy")
    {
        Description = "files: each thread or worker does whole files (pipe and shm send only paths); strips: files one by one, each streamed through the mode",
        HelpName = "STRATEGY",
        DefaultValueFactory = _ => "files",
    }, "files", "strips");

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        var command = new Command("process", "Apply exposure and gamma to an image, or a batch of them, in one of four modes and report where the time went")
        {
            s_input, s_output, s_mode, workers, CommonOptions.Ev, CommonOptions.Gamma, s_quality, s_tileRows, s_stripRows, s_noStream, s_batchStrategy, s_codec,
            CommonOptions.Format, CommonOptions.Json, CommonOptions.MaxPixels, CommonOptions.SampleSize,
            CommonOptions.InFlight, CommonOptions.JobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
            s_pathMap, s_skipExisting,
        };
        foreach (var option in ClusterOptions.All)
        {
            command.Options.Add(option);
        }
        command.Options.Add(ClusterOptions.Transport);
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        string format = CommonOptions.OutputFormat(parse);
        string[] inputs = parse.GetValue(s_input) ?? [];
        if (inputs.Length > 1 || (inputs.Length == 1 && Directory.Exists(inputs[0])))
        {
            return await RunBatchAsync(parse, inputs, workersOption, format, cancellationToken);
        }
        string? input = inputs.Length == 1 ? inputs[0] : null;
        string outputPath = parse.GetValue(s_output) ?? DefaultOutput(input);
        OutputPaths.CheckImageOutput(outputPath, input);

        var request = new ProcessRequest(
            input,
            outputPath,
            new LutParameters(parse.GetValue(CommonOptions.Ev), parse.GetValue(CommonOptions.Gamma)),
            parse.GetValue(s_tileRows),
            parse.GetValue(s_quality),
            parse.GetValue(CommonOptions.MaxPixels),
            parse.GetValue(CommonOptions.SampleSize) ?? SampleImage.DefaultGeometry,
            Stream: !parse.GetValue(s_noStream),
            StripRows: parse.GetValue(s_stripRows),
            Codec: Codec(parse));

        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose), cancellationToken);
        var mode = ExecutionModes.Parse(parse.GetValue(s_mode)!);
        ClusterOptions.RefuseUnlessClustered(parse, mode == ExecutionMode.Cluster, s_pathMap);
        ClusterOptions.CheckTransport(parse, mode, wholeFiles: false);
        await using var farm = mode == ExecutionMode.Cluster ? await ClusterOptions.StartFarmAsync(parse, log, cancellationToken) : null;
        await using var engine = CreateEngine(mode, farm, parse, workersOption, log);
        var report = await ProcessRunner.RunAsync(request, engine, cancellationToken);
        if (farm is not null)
        {
            report = report with { Nodes = farm.Report() };
        }
        ReportWriter.Write(output, report, format);
        return ExitCode.Success;
    }

    private static async Task<ExitCode> RunBatchAsync(ParseResult parse, string[] inputs, Option<int> workersOption, string format, CancellationToken cancellationToken)
    {
        var output = parse.GetValue(s_output) ?? throw CommandLineException.Usage("--output: a batch (several inputs or a directory) needs an output directory, e.g. -o processed/");
        var files = BatchInputs.Expand(inputs, output);
        int skipped = 0;
        if (parse.GetValue(s_skipExisting))
        {
            // Outputs are renamed into place whole, so one that exists is complete: a resumed batch does the rest.
            skipped = files.Count;
            files = [.. files.Where(f => !File.Exists(f.Output))];
            skipped -= files.Count;
        }
        var request = new BatchRequest(
            files,
            Path.GetFullPath(output),
            new LutParameters(parse.GetValue(CommonOptions.Ev), parse.GetValue(CommonOptions.Gamma)),
            parse.GetValue(s_quality),
            parse.GetValue(CommonOptions.MaxPixels),
            parse.GetValue(s_batchStrategy) == "strips" ? BatchStrategy.Strips : BatchStrategy.Files,
            Codec(parse))
        {
            PathMap = PathMap.TryParse(parse.GetValue(s_pathMap) ?? [], out var map, out string? wrong)
                ? map
                : throw CommandLineException.Usage($"--path-map takes LOCAL=REMOTE, two directories with an absolute REMOTE, not '{wrong}'"),
        };

        var error = parse.InvocationConfiguration.Error;
        if (skipped > 0)
        {
            error.WriteLine($"processfarm: --skip-existing: {skipped} of {skipped + files.Count} outputs exist already and are left as they are");
        }
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose), cancellationToken);
        var mode = ExecutionModes.Parse(parse.GetValue(s_mode)!);
        ClusterOptions.RefuseUnlessClustered(parse, mode == ExecutionMode.Cluster, s_pathMap);
        ClusterOptions.CheckTransport(parse, mode, wholeFiles: request.Strategy == BatchStrategy.Files);
        await using var farm = mode == ExecutionMode.Cluster ? await ClusterOptions.StartFarmAsync(parse, log, cancellationToken) : null;
        await using var engine = CreateEngine(mode, farm, parse, workersOption, log);
        var report = await BatchRunner.RunAsync(request, engine, error, cancellationToken);
        if (farm is not null)
        {
            report = report with { Nodes = farm.Report() };
        }
        BatchReportWriter.Write(parse.InvocationConfiguration.Output, report, format);
        if (report.Failed > 0)
        {
            error.WriteLine($"processfarm: {report.Failed} of {report.Files.Count} files failed (listed above); the others were written");
            return ExitCode.InputError;
        }
        return ExitCode.Success;
    }

    private static IExecutionEngine CreateEngine(ExecutionMode mode, Cluster.ClusterFarm? farm, ParseResult parse, Option<int> workersOption, Microsoft.Extensions.Logging.ILogger log) =>
        farm is null
            ? CommonOptions.CreateEngine(mode, parse.GetValue(workersOption), parse, log)
            : ClusterOptions.CreateTileEngine(farm, parse.GetResult(workersOption) is { Implicit: false } ? parse.GetValue(workersOption) : null, parse, log);

    private static string DefaultOutput(string? input)
    {
        if (input is null)
        {
            return DefaultSampleOutput;
        }
        string directory = Path.GetDirectoryName(Path.GetFullPath(input)) ?? ".";
        string extension = ImageFile.FormatFromExtension(input) == FileFormat.Unknown ? ".png" : Path.GetExtension(input);
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(input) + "-processed" + extension);
    }

    private static CodecChoice Codec(ParseResult parse) =>
        ImageCodecs.TryParseChoice(parse.GetValue(s_codec), out var codec) ? codec : CodecChoice.Auto;
}
