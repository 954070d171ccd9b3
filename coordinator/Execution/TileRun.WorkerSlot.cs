namespace ProcessFarm.Coordinator.Execution;

internal sealed partial class TileRun
{
    /// <summary>One worker's share of a run: its in-flight window, its pump and a way to stop just that pump.</summary>
    private sealed class WorkerSlot : IDisposable
    {
        private int _disposed;

        public WorkerSlot(int inFlight, CancellationToken runStopping)
        {
            Window = new SemaphoreSlim(inFlight, inFlight);
            Cancellation = CancellationTokenSource.CreateLinkedTokenSource(runStopping);
        }

        public SemaphoreSlim Window { get; }

        public CancellationTokenSource Cancellation { get; }

        public Task Pump { get; set; } = Task.CompletedTask;

        /// <summary>Frees a window place; a late release after the run ended is harmless.</summary>
        public void Release()
        {
            try
            {
                Window.Release();
            }
            catch (ObjectDisposedException)
            {
                // The run is over and its slots are gone.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Cancellation.Dispose();
                Window.Dispose();
            }
        }
    }
}
