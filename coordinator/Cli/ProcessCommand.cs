using System.CommandLine;
using System.Globalization;
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
        Description = "Image files (JPEG, PNG, GIF, BMP, TIFF, WebP, TGA, PBM/PGM/PPM), or directories of them (a batch: needs -o DIR) [default: a built-in, generated 24 MP photo-like sample]",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string> s_batchStrategy = new Option<string>("--batch-strategy")
    {
        Description = "files: each thread or worker does whole files (pipe/shm send only paths); strips: files one by one, each streamed through the mode",
        DefaultValueFactory = _ => "files",
    }.AcceptOnlyFromAmong("files", "strips");

    private static readonly Option<string?> s_output = new("--output", "-o")
    {
        Description = $"Output file; its extension picks the format (.jpg, .png, .gif, .bmp, .tif, .webp, .tga, .pgm, .ppm, .pbm) [default: INPUT-processed.EXT beside the input, or ./{DefaultSampleOutput}]. For a batch: the output directory (created if missing; files keep their names)",
    };

    private static readonly Option<string> s_mode = new Option<string>("--mode", "-m")
    {
        Description = "serial | threads | pipe | shm",
        DefaultValueFactory = _ => "threads",
    }.AcceptOnlyFromAmong(ExecutionModes.Names);

    private static readonly Option<int?> s_tileRows = new("--tile-rows")
    {
        Description = "Rows per tile [default: enough tiles for 4 (threads) or 8 (processes) per worker]",
    };

    private static readonly Option<int> s_quality = CommonOptions.Positive(new Option<int>("--quality", "-q")
    {
        Description = "JPEG quality, 1-100",
        DefaultValueFactory = _ => 90,
    }, max: 100);

    private static readonly Option<bool> s_noStream = new("--no-stream")
    {
        Description = "Decode the whole image, then process it, then encode it, instead of overlapping the three strip by strip",
    };

    private static readonly Option<int?> s_stripRows = new("--strip-rows")
    {
        Description = "Rows per streamed strip [default: about 4 MB of pixels, in 16-row steps]",
    };

    private static readonly Option<string> s_codec = new Option<string>("--codec")
    {
        Description = "Who reads and writes JPEG and PNG: auto (libjpeg-turbo and libpng; ImageSharp for CMYK JPEG), native, or imagesharp (to compare the managed codec); other formats are always ImageSharp's",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. ImageCodecs.ChoiceNames]);

    private static readonly Option<bool> s_json = new("--json")
    {
        Description = "Print one JSON object instead of the text report",
    };

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        foreach (var rows in new[] { s_tileRows, s_stripRows })
        {
            rows.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int?>() is < 1)
                {
                    result.AddError($"{rows.Name} must be at least 1");
                }
            });
        }
        var command = new Command("process", "Apply exposure and gamma to an image in one of four modes and report where the time went")
        {
            s_input, s_output, s_mode, workers, CommonOptions.Ev, CommonOptions.Gamma, s_tileRows, s_stripRows, s_quality, s_noStream, s_batchStrategy, s_codec, s_json, CommonOptions.MaxPixels, CommonOptions.SampleSize,
            CommonOptions.InFlight, CommonOptions.JobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        string[] inputs = parse.GetValue(s_input) ?? [];
        if (inputs.Length > 1 || (inputs.Length == 1 && Directory.Exists(inputs[0])))
        {
            return await RunBatchAsync(parse, inputs, workersOption, cancellationToken);
        }
        string? input = inputs.Length == 1 ? inputs[0] : null;
        string outputPath = parse.GetValue(s_output) ?? DefaultOutput(input);
        CheckOutput(outputPath);

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

        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose));
        var mode = ExecutionModes.Parse(parse.GetValue(s_mode)!);
        await using var engine = CommonOptions.CreateEngine(mode, parse.GetValue(workersOption), parse, log);
        var report = await ProcessRunner.RunAsync(request, engine, cancellationToken);
        if (parse.GetValue(s_json))
        {
            ReportWriter.WriteJson(output, report);
        }
        else
        {
            ReportWriter.WriteText(output, report);
        }
        return ExitCode.Success;
    }

    private static async Task<ExitCode> RunBatchAsync(ParseResult parse, string[] inputs, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var output = parse.GetValue(s_output) ?? throw CommandLineException.Usage("--output: a batch (several inputs or a directory) needs an output directory, e.g. -o processed/");
        var files = BatchInputs.Expand(inputs, output);
        var request = new BatchRequest(
            files,
            Path.GetFullPath(output),
            new LutParameters(parse.GetValue(CommonOptions.Ev), parse.GetValue(CommonOptions.Gamma)),
            parse.GetValue(s_quality),
            parse.GetValue(CommonOptions.MaxPixels),
            parse.GetValue(s_batchStrategy) == "strips" ? BatchStrategy.Strips : BatchStrategy.Files,
            Codec(parse));

        var error = parse.InvocationConfiguration.Error;
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose));
        var mode = ExecutionModes.Parse(parse.GetValue(s_mode)!);
        await using var engine = CommonOptions.CreateEngine(mode, parse.GetValue(workersOption), parse, log);
        var report = await BatchRunner.RunAsync(request, engine, error, cancellationToken);
        if (parse.GetValue(s_json))
        {
            BatchReportWriter.WriteJson(parse.InvocationConfiguration.Output, report);
        }
        else
        {
            BatchReportWriter.WriteText(parse.InvocationConfiguration.Output, report);
        }
        if (report.Failed > 0)
        {
            error.WriteLine($"processfarm: {report.Failed} of {report.Files.Count} files failed (listed above); the others were written");
            return ExitCode.InputError;
        }
        return ExitCode.Success;
    }

    private static CodecChoice Codec(ParseResult parse) =>
        ImageCodecs.TryParseChoice(parse.GetValue(s_codec), out var codec) ? codec : CodecChoice.Auto;

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

    /// <summary>Fails fast, before any work, when the output cannot be written.</summary>
    private static void CheckOutput(string path)
    {
        try
        {
            ImageFile.RequireOutputFormat(path);
        }
        catch (OutputFormatException e)
        {
            throw CommandLineException.Usage($"--output: {e.Message}");
        }
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (Directory.Exists(full))
        {
            throw CommandLineException.Usage($"--output: '{path}' is a directory");
        }
        if (!Directory.Exists(directory))
        {
            throw CommandLineException.Usage($"--output: the directory '{directory}' does not exist");
        }
        CheckWritable(directory);
    }

    /// <summary>Fails fast when no file can be created in <paramref name="directory"/>.</summary>
    internal static void CheckWritable(string directory)
    {
        string probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".processfarm-probe-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CommandLineException.Usage($"--output: cannot write in '{directory}': {e.Message}");
        }
    }
}
