using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>Options several commands share, with their validation, and the engine they describe.</summary>
internal static class CommonOptions
{
    public static Option<int> Workers() => Positive(new Option<int>("--workers", "-w")
    {
        Description = "Degree of parallelism: threads or worker processes; the default is the number of usable cores",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    }, max: 1024);

    public static readonly Option<double> Ev = Finite(new Option<double>("--ev")
    {
        Description = "Exposure in stops: pixels are multiplied by 2^EV",
        DefaultValueFactory = _ => 0.5,
    });

    public static readonly Option<double> Gamma = Finite(new Option<double>("--gamma")
    {
        Description = "Gamma (> 0): the exponent is 1/GAMMA",
        DefaultValueFactory = _ => 1.2,
    }, mustBePositive: true);

    public static readonly Option<long> MaxPixels = AtLeastOne(new Option<long>("--max-pixels")
    {
        Description = "Refuse images declaring more pixels than this (decompression bombs)",
        DefaultValueFactory = _ => ImageFile.DefaultMaxPixels,
    });

    public static readonly Option<ImageGeometry?> SampleSize = new("--sample-size")
    {
        Description = "Size of the built-in sample, WIDTHxHEIGHT[xCHANNELS]",
        CustomParser = ParseGeometry,
        DefaultValueFactory = _ => SampleImage.DefaultGeometry,
    };

    public static readonly Option<string?> Report = new("--report")
    {
        Description = "Also write a self-contained HTML page with charts to this file",
    };

    public static readonly Option<string?> WorkerPath = new("--worker-path")
    {
        Description = "The processfarm-worker executable [default: found beside this program or in artifacts/bin/worker]",
    };

    public static readonly Option<string> ShmDirectory = new("--shm-dir")
    {
        Description = "tmpfs directory for the shared region's short-lived backing file (shm mode)",
        DefaultValueFactory = _ => SharedRegion.DefaultDirectory,
    };

    public static readonly Option<int> InFlight = Positive(new Option<int>("--inflight")
    {
        Description = "Tiles each worker may have outstanding (pipe and shm modes)",
        DefaultValueFactory = _ => SupervisorOptions.Default.InFlight,
    }, max: 64);

    public static readonly Option<int> JobTimeoutMs = Positive(new Option<int>("--job-timeout-ms")
    {
        Description = "A worker holding one job (a tile, a file) longer than this is killed and replaced, and the job goes to another worker",
        DefaultValueFactory = _ => (int)SupervisorOptions.Default.JobTimeout.TotalMilliseconds,
    }, max: int.MaxValue);

    public static readonly Option<int> MaxRestarts = new("--max-restarts")
    {
        Description = "Worker deaths a run survives, each worker replaced; one more fails the run (deaths caused by a job that fails alone do not count)",
        DefaultValueFactory = _ => SupervisorOptions.Default.MaxRestarts,
    };

    public static readonly Option<int> MaxJobAttempts = Positive(new Option<int>("--max-job-attempts")
    {
        Description = "A job (a tile, a file) whose worker died this many times fails alone instead of being tried again",
        DefaultValueFactory = _ => SupervisorOptions.Default.MaxJobAttempts,
    }, max: 100);

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log worker start-up, handshakes and shutdown to stderr",
    };

    static CommonOptions()
    {
        MaxRestarts.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--max-restarts must be 0 or more");
            }
        });
    }

    /// <summary>Adds a validator that keeps an integer option within [1, max] and names the flag when it is not.</summary>
    public static Option<int> Positive(Option<int> option, int max)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1 || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between 1 and {max}, not {value}"));
            }
        });
        return option;
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

    private static Option<double> Finite(Option<double> option, bool mustBePositive = false)
    {
        option.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || (mustBePositive && value <= 0))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a finite number{(mustBePositive ? " greater than 0" : string.Empty)}, not {value}"));
            }
        });
        return option;
    }

    private static Option<long> AtLeastOne(Option<long> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 1)
            {
                result.AddError($"{option.Name} must be at least 1");
            }
        });
        return option;
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
        ProcessCommand.CheckWritable(directory);
        return path;
    }

    /// <summary>The engine for a mode, from the parsed options.</summary>
    public static IExecutionEngine CreateEngine(ExecutionMode mode, int workers, ParseResult parse, ILogger log) => mode switch
    {
        ExecutionMode.Serial or ExecutionMode.Threads => new InProcessEngine(mode, workers),
        _ => WorkerEngine.Create(mode, workers, Supervision(parse), log, parse.GetValue(ShmDirectory)!),
    };

    /// <summary>How the command's workers are supervised: the flags the command has, defaults for the others.</summary>
    public static SupervisorOptions Supervision(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        T Get<T>(Option<T> option, T otherwise) => command.Options.Contains(option) ? parse.GetValue(option)! : otherwise;
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
