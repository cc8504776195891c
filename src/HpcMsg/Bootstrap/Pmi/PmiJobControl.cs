using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// The job's out-of-band channel when a process manager started it: endpoints go through the PMI
/// key-value space (hex, since neither protocol can escape its separators), an abort is PMI's abort
/// (srun cancels the step; Hydra's mpiexec exits with the code), and finalize is PMI's finalize.
/// PMI has no word of its own that the job is ending: <see cref="LauncherWord"/> stays null, and a
/// dead peer is noticed by the transports (a broken connection, a dead pid in the node's segment),
/// which then end the step through <see cref="TellAbort(int)"/>.
/// </summary>
internal sealed class PmiJobControl : IJobControl
{
    private const string EndpointKeyPrefix = "hpcmsg-ep-";
    private readonly IPmiClient _pmi;
    private readonly Lock _lock = new();
    private string?[] _endpoints;
    private bool _aborted;
    private bool _disposed;

    public PmiJobControl(IPmiClient pmi)
    {
        _pmi = pmi;
        _endpoints = new string?[pmi.Size];
    }

    public IPmiClient Client => _pmi;

    /// <summary>The address through which this host reaches the one srun runs on (Slurm tells its
    /// address): the interface the other nodes of the step reach too. Elsewhere the first
    /// non-loopback IPv4 address that is up, else loopback (one host). HPCMSG_IFACE overrides both.</summary>
    public IPAddress? LocalAddress => RouteTo(Environment.GetEnvironmentVariable("SLURM_LAUNCH_NODE_IPADDR"))
        ?? RouteTo(Environment.GetEnvironmentVariable("SLURM_SRUN_COMM_HOST"))
        ?? FirstUpAddress()
        ?? IPAddress.Loopback;

    public JobEndWord? LauncherWord => null;

    public void ExchangeEndpoints(string endpoint)
    {
        using (_lock.EnterScope())
        {
            _pmi.Put(EndpointKeyPrefix + _pmi.Rank.ToString(CultureInfo.InvariantCulture), PmiWire.Encode(endpoint));
            _pmi.Fence();
        }
    }

    /// <summary>A plain fence (every rank has got this far), for a job that exchanges no endpoints.</summary>
    public void Fence()
    {
        using (_lock.EnterScope()) _pmi.Fence();
    }

    /// <summary><see cref="EndpointOf"/>: at once when known, else on a thread of the pool (a get is a
    /// round trip to the process manager, and the caller may hold the engine's lock).</summary>
    public Task<string> EndpointOfAsync(int rank)
    {
        if ((uint)rank >= (uint)_endpoints.Length)
            return Task.FromException<string>(new HpcMsgException($"rank {_pmi.Rank}: rank {rank} is not in a job of {_endpoints.Length} ranks"));
        using (_lock.EnterScope())
        {
            if (_endpoints[rank] is { } known) return Task.FromResult(known);
        }
        return Task.Run(() => EndpointOf(rank));
    }

    /// <summary>Read from the KVS on first use and kept: a rank asks only for the peers it talks to.</summary>
    public string EndpointOf(int rank)
    {
        using (_lock.EnterScope())
        {
            if (_endpoints[rank] is { } known) return known;
            string key = EndpointKeyPrefix + rank.ToString(CultureInfo.InvariantCulture);
            string value = _pmi.Get(key, rank) ?? throw new HpcMsgException($"rank {_pmi.Rank}: rank {rank} published no endpoint ({_pmi.Protocol} key {key} is missing)");
            return _endpoints[rank] = PmiWire.Decode(value, key);
        }
    }

    /// <summary>Set by Communicator.Abort while it tells the peers itself: the mesh's call to
    /// <see cref="TellAbort(int)"/> is then ignored, and the PMI abort goes last, right before the exit, so
    /// that srun's kill of the step does not cut the peers' abort frames or this rank's own exit code.</summary>
    public bool HoldAbort { get; set; }

    /// <summary>PMI abort, once: the process manager ends every rank of the job.</summary>
    public void TellAbort(int errorCode) => TellAbort(errorCode, $"rank {_pmi.Rank} aborted the job");

    /// <summary>PMI abort, once, with <paramref name="why"/> as its message (PMI-1's and PMI-2's
    /// <c>msg</c>, PMIx_Abort's): the process manager ends every rank of the job.</summary>
    public void TellAbort(int errorCode, string why)
    {
        // Not under _lock: a fence may hold it while another rank is dead; abort only writes.
        if (_aborted || HoldAbort) return;
        _aborted = true;
        _pmi.Abort(errorCode, why);
    }

    /// <summary>Set while Communicator.Init runs: a TCP mesh that fails to set up disposes its control,
    /// but Init's failure path must still abort the job through it, so Dispose waits for Init.</summary>
    public bool OwnedByInit { get; set; }

    /// <summary>PMI finalize (unless aborted), then close the connection to the server.</summary>
    public void Dispose()
    {
        using (_lock.EnterScope())
        {
            if (_disposed || OwnedByInit) return;
            _disposed = true;
            try
            {
                if (!_aborted) _pmi.FinalizeJob();
            }
            catch (HpcMsgException) { }   // the step is ending anyway
            catch (IOException) { }
            finally
            {
                _pmi.Dispose();
            }
        }
    }

    private static IPAddress? RouteTo(string? host)
    {
        if (string.IsNullOrEmpty(host) || !IPAddress.TryParse(host, out IPAddress? target) || IPAddress.IsLoopback(target)) return null;
        try
        {
            // Connecting a UDP socket sends nothing; it asks the kernel which local address routes there.
            using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(target, 9);
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static IPAddress? FirstUpAddress()
    {
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (UnicastIPAddressInformation a in nic.GetIPProperties().UnicastAddresses)
                if (a.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address)) return a.Address;
        }
        return null;
    }
}
