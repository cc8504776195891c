/* Prints the size of every libfabric structure HpcMsg mirrors in C#
 * (src/HpcMsg/Transports/Ofi/OfiStructs.cs and OfiFids.cs) and the offset and size of each field and
 * operation slot, as the installed headers (libfabric-dev) lay them out. One line each:
 *   <struct> - 0 <sizeof>
 *   <struct> <field> <offsetof> <sizeof field>
 * and the value of every libfabric constant mirrored in OfiConstants.cs:
 *   = <NAME> <value as an unsigned 64-bit number>
 * OfiLayoutTests compiles this with cc, runs it, and compares every line with the C# layouts and constants.
 * Build: cc -std=c11 -Wall -Werror -o ofi_layout ofi_layout.c */
#include <stddef.h>
#include <stdio.h>
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#define S(T) printf("%s - 0 %zu\n", #T, sizeof(struct T))
#define F(T, f) printf("%s %s %zu %zu\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f))
#define C(N) printf("= %s %llu\n", #N, (unsigned long long)(N))

int main(void)
{
	S(fi_tx_attr);
	F(fi_tx_attr, caps); F(fi_tx_attr, mode); F(fi_tx_attr, op_flags); F(fi_tx_attr, msg_order);
	F(fi_tx_attr, comp_order); F(fi_tx_attr, inject_size); F(fi_tx_attr, size); F(fi_tx_attr, iov_limit);
	F(fi_tx_attr, rma_iov_limit); F(fi_tx_attr, tclass);

	S(fi_rx_attr);
	F(fi_rx_attr, caps); F(fi_rx_attr, mode); F(fi_rx_attr, op_flags); F(fi_rx_attr, msg_order);
	F(fi_rx_attr, comp_order); F(fi_rx_attr, total_buffered_recv); F(fi_rx_attr, size); F(fi_rx_attr, iov_limit);

	S(fi_ep_attr);
	F(fi_ep_attr, type); F(fi_ep_attr, protocol); F(fi_ep_attr, protocol_version); F(fi_ep_attr, max_msg_size);
	F(fi_ep_attr, msg_prefix_size); F(fi_ep_attr, max_order_raw_size); F(fi_ep_attr, max_order_war_size);
	F(fi_ep_attr, max_order_waw_size); F(fi_ep_attr, mem_tag_format); F(fi_ep_attr, tx_ctx_cnt);
	F(fi_ep_attr, rx_ctx_cnt); F(fi_ep_attr, auth_key_size); F(fi_ep_attr, auth_key);

	S(fi_domain_attr);
	F(fi_domain_attr, domain); F(fi_domain_attr, name); F(fi_domain_attr, threading);
	F(fi_domain_attr, control_progress); F(fi_domain_attr, data_progress); F(fi_domain_attr, resource_mgmt);
	F(fi_domain_attr, av_type); F(fi_domain_attr, mr_mode); F(fi_domain_attr, mr_key_size);
	F(fi_domain_attr, cq_data_size); F(fi_domain_attr, cq_cnt); F(fi_domain_attr, ep_cnt);
	F(fi_domain_attr, tx_ctx_cnt); F(fi_domain_attr, rx_ctx_cnt); F(fi_domain_attr, max_ep_tx_ctx);
	F(fi_domain_attr, max_ep_rx_ctx); F(fi_domain_attr, max_ep_stx_ctx); F(fi_domain_attr, max_ep_srx_ctx);
	F(fi_domain_attr, cntr_cnt); F(fi_domain_attr, mr_iov_limit); F(fi_domain_attr, caps);
	F(fi_domain_attr, mode); F(fi_domain_attr, auth_key); F(fi_domain_attr, auth_key_size);
	F(fi_domain_attr, max_err_data); F(fi_domain_attr, mr_cnt); F(fi_domain_attr, tclass);

	S(fi_fabric_attr);
	F(fi_fabric_attr, fabric); F(fi_fabric_attr, name); F(fi_fabric_attr, prov_name);
	F(fi_fabric_attr, prov_version); F(fi_fabric_attr, api_version);

	S(fi_info);
	F(fi_info, next); F(fi_info, caps); F(fi_info, mode); F(fi_info, addr_format); F(fi_info, src_addrlen);
	F(fi_info, dest_addrlen); F(fi_info, src_addr); F(fi_info, dest_addr); F(fi_info, handle);
	F(fi_info, tx_attr); F(fi_info, rx_attr); F(fi_info, ep_attr); F(fi_info, domain_attr);
	F(fi_info, fabric_attr); F(fi_info, nic);

	S(fi_cq_attr);
	F(fi_cq_attr, size); F(fi_cq_attr, flags); F(fi_cq_attr, format); F(fi_cq_attr, wait_obj);
	F(fi_cq_attr, signaling_vector); F(fi_cq_attr, wait_cond); F(fi_cq_attr, wait_set);

	S(fi_av_attr);
	F(fi_av_attr, type); F(fi_av_attr, rx_ctx_bits); F(fi_av_attr, count); F(fi_av_attr, ep_per_node);
	F(fi_av_attr, name); F(fi_av_attr, map_addr); F(fi_av_attr, flags);

	S(fi_cq_tagged_entry);
	F(fi_cq_tagged_entry, op_context); F(fi_cq_tagged_entry, flags); F(fi_cq_tagged_entry, len);
	F(fi_cq_tagged_entry, buf); F(fi_cq_tagged_entry, data); F(fi_cq_tagged_entry, tag);

	S(fi_cq_err_entry);
	F(fi_cq_err_entry, op_context); F(fi_cq_err_entry, flags); F(fi_cq_err_entry, len);
	F(fi_cq_err_entry, buf); F(fi_cq_err_entry, data); F(fi_cq_err_entry, tag); F(fi_cq_err_entry, olen);
	F(fi_cq_err_entry, err); F(fi_cq_err_entry, prov_errno); F(fi_cq_err_entry, err_data);
	F(fi_cq_err_entry, err_data_size);

	S(fi_context2);
	F(fi_context2, internal);

	S(fi_ops);
	F(fi_ops, size); F(fi_ops, close); F(fi_ops, bind); F(fi_ops, control); F(fi_ops, ops_open);
	F(fi_ops, tostr); F(fi_ops, ops_set);

	S(fid);
	F(fid, fclass); F(fid, context); F(fid, ops);

	S(fi_ops_fabric);
	F(fi_ops_fabric, size); F(fi_ops_fabric, domain); F(fi_ops_fabric, passive_ep); F(fi_ops_fabric, eq_open);
	F(fi_ops_fabric, wait_open); F(fi_ops_fabric, trywait); F(fi_ops_fabric, domain2);

	S(fid_fabric);
	F(fid_fabric, fid); F(fid_fabric, ops); F(fid_fabric, api_version);

	S(fi_ops_domain);
	F(fi_ops_domain, size); F(fi_ops_domain, av_open); F(fi_ops_domain, cq_open); F(fi_ops_domain, endpoint);
	F(fi_ops_domain, scalable_ep); F(fi_ops_domain, cntr_open); F(fi_ops_domain, poll_open);
	F(fi_ops_domain, stx_ctx); F(fi_ops_domain, srx_ctx); F(fi_ops_domain, query_atomic);
	F(fi_ops_domain, query_collective); F(fi_ops_domain, endpoint2);

	S(fi_ops_mr);
	F(fi_ops_mr, size); F(fi_ops_mr, reg); F(fi_ops_mr, regv); F(fi_ops_mr, regattr);

	S(fid_domain);
	F(fid_domain, fid); F(fid_domain, ops); F(fid_domain, mr);

	S(fid_mr);
	F(fid_mr, fid); F(fid_mr, mem_desc); F(fid_mr, key);

	S(fi_ops_ep);
	F(fi_ops_ep, size); F(fi_ops_ep, cancel); F(fi_ops_ep, getopt); F(fi_ops_ep, setopt); F(fi_ops_ep, tx_ctx);
	F(fi_ops_ep, rx_ctx); F(fi_ops_ep, rx_size_left); F(fi_ops_ep, tx_size_left);

	S(fi_ops_cm);
	F(fi_ops_cm, size); F(fi_ops_cm, setname); F(fi_ops_cm, getname); F(fi_ops_cm, getpeer);
	F(fi_ops_cm, connect); F(fi_ops_cm, listen); F(fi_ops_cm, accept); F(fi_ops_cm, reject);
	F(fi_ops_cm, shutdown); F(fi_ops_cm, join);

	S(fi_ops_tagged);
	F(fi_ops_tagged, size); F(fi_ops_tagged, recv); F(fi_ops_tagged, recvv); F(fi_ops_tagged, recvmsg);
	F(fi_ops_tagged, send); F(fi_ops_tagged, sendv); F(fi_ops_tagged, sendmsg); F(fi_ops_tagged, inject);
	F(fi_ops_tagged, senddata); F(fi_ops_tagged, injectdata);

	S(fid_ep);
	F(fid_ep, fid); F(fid_ep, ops); F(fid_ep, cm); F(fid_ep, msg); F(fid_ep, rma); F(fid_ep, tagged);
	F(fid_ep, atomic); F(fid_ep, collective);

	S(fi_ops_av);
	F(fi_ops_av, size); F(fi_ops_av, insert); F(fi_ops_av, insertsvc); F(fi_ops_av, insertsym);
	F(fi_ops_av, remove); F(fi_ops_av, lookup); F(fi_ops_av, straddr); F(fi_ops_av, av_set);

	S(fid_av);
	F(fid_av, fid); F(fid_av, ops);

	S(fi_ops_cq);
	F(fi_ops_cq, size); F(fi_ops_cq, read); F(fi_ops_cq, readfrom); F(fi_ops_cq, readerr); F(fi_ops_cq, sread);
	F(fi_ops_cq, sreadfrom); F(fi_ops_cq, signal); F(fi_ops_cq, strerror);

	S(fid_cq);
	F(fid_cq, fid); F(fid_cq, ops);

	/* Constants (OfiConstants.cs): capabilities, modes, flags, enums, control commands, errors. */
	C(FI_RMA); C(FI_TAGGED); C(FI_RECV); C(FI_SEND); C(FI_READ); C(FI_WRITE); C(FI_REMOTE_READ);
	C(FI_REMOTE_WRITE); C(FI_CONTEXT); C(FI_CONTEXT2); C(FI_SOURCE); C(FI_EP_RDM); C(FI_AV_TABLE);
	C(FI_THREAD_DOMAIN); C(FI_MR_LOCAL); C(FI_MR_VIRT_ADDR); C(FI_MR_ALLOCATED); C(FI_MR_PROV_KEY);
	C(FI_CQ_FORMAT_TAGGED); C(FI_WAIT_NONE); C(FI_WAIT_FD); C(FI_GETWAIT); C(FI_ENABLE);
	C(FI_TRANSMIT); C(FI_ADDR_UNSPEC); C(FI_EAGAIN); C(FI_ENODATA); C(FI_ECANCELED);
	C(FI_ETOOSMALL); C(FI_EAVAIL); C(FI_ETRUNC);
	C(FI_SOURCE_ERR); C(FI_ADDR_NOTAVAIL); C(FI_EADDRNOTAVAIL);
	return 0;
}
