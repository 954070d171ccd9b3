namespace ProcessFarm.Coordinator.Workers;

/// <summary>What a worker must have done before it takes jobs (shm: its frame channel and the current region), run by each worker's pump when it changes.</summary>
internal sealed partial class WorkerSupervisor
{
    private Func<WorkerConnection, CancellationToken, Task>? _prepare;
    private int _prepareEpoch;

    /// <summary>
    /// Sets what every worker must have done before it takes jobs (shm: open its frame channel and map the
    /// current region). Workers run it before their next job, replacements before their first.
    /// </summary>
    public void SetPreparation(Func<WorkerConnection, CancellationToken, Task>? prepare)
    {
        lock (_gate)
        {
            _prepare = prepare;
            _prepareEpoch++;
        }
    }

    /// <summary>Runs the preparation on every ready worker now (so its cost can be measured apart from the jobs).</summary>
    /// <exception cref="WorkerFailedException">The supervisor gave up, or the preparation cannot succeed on any worker.</exception>
    public async Task PrepareAllAsync(CancellationToken cancellationToken)
    {
        List<Slot> ready;
        lock (_gate)
        {
            ThrowIfFailed();
            ready = [.. _slots.Where(s => s.State == SlotState.Ready)];
        }
        await Task.WhenAll(ready.Select(slot => PrepareAsync(slot, cancellationToken))).ConfigureAwait(false);
        lock (_gate)
        {
            ThrowIfFailed();
        }
    }

    /// <summary>Runs the current preparation on a worker that has not had it; false when the worker failed on it.</summary>
    private async Task<bool> PrepareAsync(Slot slot, CancellationToken cancellationToken)
    {
        while (true)
        {
            Func<WorkerConnection, CancellationToken, Task>? prepare;
            int epoch;
            lock (_gate)
            {
                prepare = _prepare;
                epoch = _prepareEpoch;
                if (slot.State != SlotState.Ready)
                {
                    return false;
                }
            }
            if (Volatile.Read(ref slot.PreparedEpoch) == epoch)
            {
                return true;
            }
            await slot.PrepareGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref slot.PreparedEpoch) == epoch)
                {
                    continue;
                }
                if (prepare is not null)
                {
                    using var bounded = CancellationTokenSource.CreateLinkedTokenSource(slot.Stop.Token);
                    bounded.CancelAfter(_options.JobTimeout);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bounded.Token);
                    try
                    {
                        await prepare(slot.Connection!, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (bounded.IsCancellationRequested && !slot.Stop.IsCancellationRequested)
                    {
                        _log.WorkerKilled(slot.WorkerId, $"not prepared within {_options.JobTimeout.TotalMilliseconds:0} ms");
                        FailWorker(slot, "stopped answering while being prepared");
                        return false;
                    }
                }
                Volatile.Write(ref slot.PreparedEpoch, epoch);
            }
            catch (WorkerFailedException e)
            {
                FailWorker(slot, e.Reason);
                return false;
            }
            catch (OperationCanceledException) when (slot.Stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return false; // the worker failed while preparing; its replacement prepares itself
            }
            catch (Exception e) when (e is JobFailedException or Shared.SharedMemory.SharedMemoryException)
            {
                if (Volatile.Read(ref _prepareEpoch) != epoch)
                {
                    continue; // the preparation changed meanwhile (a new region); the old one's failure is moot
                }
                // Deterministic (the region cannot be mapped, /dev/shm is full): no other worker would do better.
                Fail(e is JobFailedException
                    ? new WorkerFailedException(slot.WorkerId, $"cannot be prepared for its jobs: {e.Message}", e)
                    : e);
                return false;
            }
            finally
            {
                slot.PrepareGate.Release();
            }
        }
    }
}
