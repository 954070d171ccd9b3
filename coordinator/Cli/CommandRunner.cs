using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Runs a command body with SIGINT/SIGTERM as cancellation, and turns what escapes it into one line on stderr and
/// an exit code: user mistakes as they are, anything else as an internal error.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(TextWriter error, Func<CancellationToken, Task<ExitCode>> body)
    {
        using var signals = new ShutdownSignals();
        try
        {
            return (int)await body(signals.Token);
        }
        catch (Exception) when (signals.Token.IsCancellationRequested)
        {
            // Whatever failed after the signal failed because of it (workers stopped, sockets closed): the user
            // asked for this, so it is said once, as what happened, not as an error.
            error.WriteLine($"processfarm: {(signals.ExitCode == ExitCode.Terminated ? "terminated" : "interrupted")}; workers stopped, no output written");
            return (int)signals.ExitCode;
        }
        catch (Exception e) when (ExitCodeOf(e) is { } code)
        {
            error.WriteLine($"processfarm: {e.Message}");
            return (int)code;
        }
        catch (Exception e)
        {
            error.WriteLine($"processfarm: internal error: {e.GetType().Name}: {e.Message} (set PROCESSFARM_DEBUG=1 for the stack trace)");
            if (Environment.GetEnvironmentVariable("PROCESSFARM_DEBUG") == "1")
            {
                error.WriteLine(e);
            }
            return (int)ExitCode.InternalError;
        }
    }

    /// <summary>
    /// The exit code of an error the user can act on: their own mistake (a <see cref="CommandLineException"/>),
    /// an unusable input (3), or the environment: workers, shared memory, an output that cannot be written (4).
    /// Null for anything else, which is a bug.
    /// </summary>
    public static ExitCode? ExitCodeOf(Exception exception) => exception switch
    {
        CommandLineException e => e.ExitCode,
        InputException => ExitCode.InputError,
        OutputFormatException => ExitCode.UsageError,
        WorkerFailedException or SharedMemoryException or OutputException or Cluster.ClusterException => ExitCode.EnvironmentError,
        _ => null,
    };
}
