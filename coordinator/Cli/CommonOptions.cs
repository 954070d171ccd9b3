using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Options several commands share, with their validation, and the engine they describe. One name means one thing
/// in every command; a command that compares several values of it (echo's, fib's and tune's --mode, tune's
/// --workers) takes them as a comma-separated list.
/// </summary>
internal static class CommonOptions
{
    /// <summary>The output formats of every command that prints a report.</summary>
    public static readonly string[] Formats = ["text", "json", "csv", "markdown"];

    public static readonly Option<double> Ev = OptionValues.Double(new Option<double>("--ev")
    {
        Description = "Exposure in stops: pixels are multiplied by 2^E",
        HelpName = "E",
        DefaultValueFactory = _ => 0.5,
    });

    public static readonly Option<double> Gamma = OptionValues.Double(new Option<double>("--gamma")
    {
        Description = "Gamma (> 0): the exponent is 1/G",
        HelpName = "G",
        DefaultValueFactory = _ => 1.2,
    }, positive: true);

    public static readonly Option<long> MaxPixels = OptionValues.Long(new Option<long>("--max-pixels")
    {
        Description = "Refuse images declaring more pixels than this (decompression bombs)",
        HelpName = "N",
        DefaultValueFactory = _ => ImageFile.DefaultMaxPixels,
    }, min: 1, max: long.MaxValue);

    public static readonly Option<ImageGeometry?> SampleSize = new("--sample-size")
    {
        Description = "Size of the built-in sample: width x height, and channels (1, 3 or 4)",
        HelpName = "WxH[xC]",
        CustomParser = ParseGeometry,
        DefaultValueFactory = _ => SampleImage.DefaultGeometry,
    };

    public static readonly Option<string> Format = OptionValues.OneOf(new Option<string>("--format")
    {
        Description = "How to print the report: text, json, csv or markdown",
        HelpName = "FORMAT",
        DefaultValueFactory = _ => "text",
    }, Formats);

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Short for --format json",
    };

    public static readonly Option<string?> Report = new("--report")
    {
        Description = "Also write a self-contained HTML page with charts to this file",
        HelpName = "FILE",
    };

    public static readonly Option<string?> WorkerPath = new Option<string?>("--worker-path")
    {
        Description = "The processfarm-worker executable",
        HelpName = "PATH",
    }.WithDefaultText("beside this program, or in artifacts/bin/worker");

    public static readonly Option<string> ShmDirectory = new("--shm-dir")
    {
        Description = "tmpfs directory for the shared region's short-lived backing file (shm mode)",
        HelpName = "DIR",
        DefaultValueFactory = _ => SharedRegion.DefaultDirectory,
    };

    public static readonly Option<int> InFlight = OptionValues.Int(new Option<int>("--inflight")
    {
        Description = "Jobs (tiles, files, echo rounds) each worker may have outstanding",
        HelpName = "N",
        DefaultValueFactory = _ => SupervisorOptions.Default.InFlight,
    }, min: 1, max: 64);

    public static readonly Option<int> JobTimeoutMs = JobTimeout(SupervisorOptions.Default.JobTimeout);

    public static readonly Option<int> MaxRestarts = OptionValues.Int(new Option<int>("--max-restarts")
    {
        Description = "Worker deaths a run survives, each worker replaced; one more fails the run (deaths caused by a job that fails alone do not count)",
        HelpName = "N",
        DefaultValueFactory = _ => SupervisorOptions.Default.MaxRestarts,
    }, min: 0, max: int.MaxValue);

    public static readonly Option<int> MaxJobAttempts = OptionValues.Int(new Option<int>("--max-job-attempts")
    {
        Description = "A job whose worker died this many times fails alone instead of being tried again",
        HelpName = "N",
        DefaultValueFactory = _ => SupervisorOptions.Default.MaxJobAttempts,
    }, min: 1, max: 100);

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log worker start-up, handshakes and shutdown to stderr",
    };

    /// <summary>--workers: a new instance per command, since tune's takes a list under the same name.</summary>
    public static Option<int> Workers() => OptionValues.Int(new Option<int>("--workers", "-w")
    {
        Description = "Degree of parallelism: threads or worker processes",
        HelpName = "N",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    }, min: 1, max: 1024).WithDefaultText("the usable cores");

    /// <summary>--job-timeout-ms with a default of its own (fib's jobs run for minutes, a tile for milliseconds).</summary>
    public static Option<int> JobTimeout(TimeSpan defaultTimeout) => OptionValues.Int(new Option<int>("--job-timeout-ms")
    {
        Description = "A worker holding one job longer than this is killed and replaced, and the job goes to another worker",
        HelpName = "MS",
        DefaultValueFactory = _ => (int)defaultTimeout.TotalMilliseconds,
    }, min: 1, max: int.MaxValue);

    /// <summary>
    /// The report format: --format, or json for --json.
    /// </summary>
    /// <exception cref="CommandLineException">--json and another --format were both given.</exception>
    public static string OutputFormat(ParseResult parse)
    {
        string format = parse.GetValue(Format)!;
        if (!parse.GetValue(Json))
        {
            return format;
        }
        if (parse.GetResult(Format) is { Implicit: false } && format != "json")
        {
            throw CommandLineException.Usage($"--json and --format {format} disagree; give one of them");
        }
        return "json";
    }

    /// <summary>Parses "WIDTHxHEIGHT" or "WIDTHxHEIGHTxCHANNELS".</summary>
    public static ImageGeometry? ParseGeometry(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        string[] parts = text.Split('x');
        int[] values = new int[3] { 0, 0, 3 };
        if (parts.Length is 2 or 3)
        {
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
                {
                    values[0] = 0;
                }
            }
        }
        var geometry = new ImageGeometry(values[0], values[1], values[2]);
        if (values[0] < 1 || values[1] < 1 || values[2] is not (1 or 3 or 4) || geometry.ByteLength > Array.MaxLength)
        {
            result.AddError($"--sample-size takes WIDTHxHEIGHT or WIDTHxHEIGHTxCHANNELS (channels 1, 3 or 4; under 2 GiB), not '{text}'");
            return null;
        }
        return geometry;
    }

    /// <summary>Fails fast, before any measuring, when the --report file could not be written.</summary>
    public static string? CheckReportPath(ParseResult parse)
    {
        string? path = parse.GetValue(Report);
        if (path is null)
        {
            return null;
        }
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (Directory.Exists(path) || !Directory.Exists(directory))
        {
            throw CommandLineException.Usage($"--report: '{path}' is a directory or its directory does not exist");
        }
        OutputPaths.CheckWritable(directory, "--report");
        return path;
    }

    /// <summary>The engine for a mode, from the parsed options.</summary>
    public static IExecutionEngine CreateEngine(ExecutionMode mode, int workers, ParseResult parse, ILogger log) => mode switch
    {
        ExecutionMode.Serial or ExecutionMode.Threads => new InProcessEngine(mode, workers),
        _ => WorkerEngine.Create(mode, workers, Supervision(parse), log, parse.GetValue(ShmDirectory)!),
    };

    /// <summary>
    /// How the command's workers are supervised: the flags the command has (found by name, since fib's
    /// --job-timeout-ms has a default of its own), the defaults for the others.
    /// </summary>
    public static SupervisorOptions Supervision(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        T Get<T>(Option<T> option, T otherwise) =>
            command.Options.OfType<Option<T>>().FirstOrDefault(o => o.Name == option.Name) is { } own ? parse.GetValue(own)! : otherwise;
        var defaults = SupervisorOptions.Default;
        return defaults with
        {
            WorkerPath = Get(WorkerPath, null),
            InFlight = Get(InFlight, defaults.InFlight),
            JobTimeout = TimeSpan.FromMilliseconds(Get(JobTimeoutMs, (int)defaults.JobTimeout.TotalMilliseconds)),
            MaxRestarts = Get(MaxRestarts, defaults.MaxRestarts),
            MaxJobAttempts = Get(MaxJobAttempts, defaults.MaxJobAttempts),
        };
    }
}
