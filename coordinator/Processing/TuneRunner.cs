using System.Diagnostics;
using System.Globalization;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// Runs the process step of each mode for each worker count on the same image, K times on a warm engine, and
/// recommends a worker count per mode: the fewest workers whose median is within measured noise of the fastest.
/// </summary>
internal static class TuneRunner
{
    /// <summary>Medians closer than this to the best count as equal, unless the measured spread is larger.</summary>
    public const double MinimumNoise = 0.05;

    /// <param name="source">The image every run starts from.</param>
    /// <param name="modes">The modes to tune.</param>
    /// <param name="workerCounts">The counts to try per mode (for cluster: workers per node).</param>
    /// <param name="repeat">Timed runs per mode and count.</param>
    /// <param name="createEngine">An engine for a mode and count.</param>
    /// <param name="progress">Told of each step.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <exception cref="ArgumentException">No mode, or a mode without counts.</exception>
    public static async Task<TuneResult> RunAsync(PixelBuffer source, IReadOnlyList<ExecutionMode> modes, Func<ExecutionMode, IReadOnlyList<int>> workerCounts, int repeat, Func<ExecutionMode, int, IExecutionEngine> createEngine, Action<string> progress, CancellationToken cancellationToken)
    {
        if (modes.Count == 0 || modes.Any(m => workerCounts(m).Count == 0))
        {
            throw new ArgumentException("tune needs at least one mode and one worker count");
        }
        var rows = new List<TuneRow>();
        var startups = new List<TuneStartup>();
        var layoutParameters = new LutParameters(0.5, 1.2);
        int step = 0, steps = modes.Sum(m => workerCounts(m).Count);
        foreach (var mode in modes)
        {
            foreach (int workers in workerCounts(mode))
            {
                progress($"tune [{++step}/{steps}] {mode.Name()} with {Plural.Count(workers, mode == ExecutionMode.Threads ? "thread" : "worker")}{(mode == ExecutionMode.Cluster ? " per node" : string.Empty)} x {repeat}");
                await using var engine = createEngine(mode, workers);
                long started = Stopwatch.GetTimestamp();
                await engine.StartAsync(cancellationToken);
                if (engine is WorkerEngine { Supervisor: { } supervisor })
                {
                    startups.Add(new TuneStartup(mode.Name(), workers, Stopwatch.GetElapsedTime(started).TotalMilliseconds, supervisor.Workers.Average(w => w.ReadyMs)));
                }
                using var image = engine.CreateImage(source.Geometry);
                // engine.Workers, not workers: in cluster mode the count is per node, and tiles go to all of them.
                var layout = new TileLayout(source.Geometry, TileLayout.DefaultTileRows(source.Geometry, engine.Workers, mode == ExecutionMode.Threads ? 4 : 8));
                double[] samples = new double[repeat];
                for (int r = -1; r < repeat; r++)
                {
                    source.Span.CopyTo(image.Span); // the same input every time, outside the timing
                    long runStarted = Stopwatch.GetTimestamp();
                    await engine.RunAsync(image, layout, layoutParameters, cancellationToken);
                    if (r >= 0)
                    {
                        samples[r] = Stopwatch.GetElapsedTime(runStarted).TotalSeconds; // run -1 warms up: attach, page faults, JIT
                    }
                }
                rows.Add(new TuneRow(mode.Name(), workers, Statistics.Median(samples), samples.Min(), samples.Max(), Statistics.Spread(samples)));
            }
        }

        var completed = rows.Select(row =>
        {
            var baseline = rows.FirstOrDefault(r => r.Mode == row.Mode && r.Workers == 1);
            double speedup = baseline is null ? double.NaN : baseline.MedianSeconds / row.MedianSeconds;
            return row with { Speedup = speedup, Efficiency = speedup / row.Workers };
        }).ToList();
        var recommended = modes.ToDictionary(m => m.Name(), m => Recommend(completed.Where(r => r.Mode == m.Name()).ToList()));
        return new TuneResult(completed, recommended, startups);
    }

    /// <summary>The fewest workers whose median is within noise of the fastest median.</summary>
    public static (int Workers, string Why) Recommend(IReadOnlyList<TuneRow> rows)
    {
        var best = rows.MinBy(r => r.MedianSeconds)!;
        double spread = best.SpreadSeconds / best.MedianSeconds;
        double noise = double.IsFinite(spread) ? Math.Max(MinimumNoise, spread) : MinimumNoise;
        var choice = rows.Where(r => r == best || r.MedianSeconds <= best.MedianSeconds * (1 + noise)).MinBy(r => r.Workers)!;
        var c = CultureInfo.InvariantCulture;
        string why = choice != best
            ? string.Create(c, $"{choice.MedianSeconds * 1e3:0.0} ms, within the {noise:P0} measured noise of the fastest ({best.Workers} at {best.MedianSeconds * 1e3:0.0} ms) with fewer of them")
            : choice.Workers == rows.Min(r => r.Workers)
                ? string.Create(c, $"the fastest at {choice.MedianSeconds * 1e3:0.0} ms, with the fewest workers tried")
                : string.Create(c, $"the fastest at {choice.MedianSeconds * 1e3:0.0} ms; no smaller count came within the {noise:P0} noise");
        return (choice.Workers, why);
    }

    /// <summary>How many times <see cref="MeasureBareStartMs"/> starts the worker; the median is reported.</summary>
    public const int BareStartRuns = 5;

    /// <summary>How long the worker executable takes to start and exit when it has nothing to do (no arguments).</summary>
    public static double MeasureBareStartMs(string workerPath, int runs)
    {
        double[] samples = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var info = new ProcessStartInfo(workerPath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
            long started = Stopwatch.GetTimestamp();
            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return Statistics.Median(samples);
    }
}
