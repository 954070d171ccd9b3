using System.Globalization;

namespace ProcessFarm.Worker;

/// <summary>
/// The worker's command line: <c>--pipe PATH --id N [--parent PID] [--connect-timeout-ms MS]</c>; the secret comes
/// on stdin. With <c>--parent</c> the worker dies with that process (docs/PROTOCOL.md, "Launching a worker").
/// </summary>
internal sealed record WorkerOptions(string PipePath, uint WorkerId, int ConnectTimeoutMs, int? ParentProcessId)
{
    public const string Usage = "usage: processfarm-worker --pipe PATH --id N [--parent PID] [--connect-timeout-ms MS]  (the run's secret, as hex, on the first line of standard input)";

    /// <summary>Parses arguments; returns null and an error message when they are wrong.</summary>
    public static WorkerOptions? Parse(string[] args, out string? error)
    {
        string? pipe = null;
        uint? id = null;
        int? parent = null;
        int timeoutMs = 10_000;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--pipe" when value is not null:
                    pipe = value;
                    i++;
                    break;
                case "--id" when uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint parsed):
                    id = parsed;
                    i++;
                    break;
                case "--parent" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0:
                    parent = pid;
                    i++;
                    break;
                case "--connect-timeout-ms" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms > 0:
                    timeoutMs = ms;
                    i++;
                    break;
                default:
                    error = $"unexpected or incomplete argument '{args[i]}'";
                    return null;
            }
        }
        if (pipe is null || id is null)
        {
            error = "--pipe and --id are required";
            return null;
        }
        return new WorkerOptions(pipe, id.Value, timeoutMs, parent);
    }
}
