"""The API's writes at archive scale: p50/p99 of posting a work (two Markdown chapters),
adding a chapter, commenting, changing and deleting a work, beside reading a random work
(the baseline, measured in the same run). Run by scripts/bench-api-writes.sh, which starts
the server and makes the token: BASE and TOKEN come from the environment."""
import json, os, time, urllib.request, urllib.error, statistics, random
token=os.environ['TOKEN']
base=os.environ['BASE']
works=int(os.environ.get('WORKS', '1000000'))
def call(method, path, body=None):
    data=json.dumps(body).encode() if body is not None else None
    req=urllib.request.Request(base+path, data=data, method=method, headers={'Authorization':'Bearer '+token,'Content-Type':'application/json'})
    t=time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            r.read(); code=r.status
    except urllib.error.HTTPError as e:
        e.read(); code=e.code
    return (time.perf_counter()-t)*1000, code
def pct(xs,q):
    xs=sorted(xs); return xs[min(len(xs)-1,int(round((len(xs)-1)*q)))]
random.seed(1)
body=lambda i: {"title":f"API bench {i}","fandoms":["Gilmore Girls"],"rating":"teen","tags":["Angst","Fluff"],"format":"markdown",
  "chapters":[{"title":"One","body":"I went to the *bridge*.\n\n"*50},{"title":"Two","body":"He was there.\n\n"*50}]}
res={'GET api work (baseline)':[], 'POST api works (2 chapters)':[], 'POST api chapter':[], 'POST api comment':[], 'PATCH api work':[], 'DELETE api work':[]}
codes={}
ids=[]
for i in range(150):
    for name,(m,p,b) in [('GET api work (baseline)',('GET',f'/api/v1/works/{random.randint(1,works)}',None)),
                         ('POST api works (2 chapters)',('POST','/api/v1/works',body(i)))]:
        ms,code=call(m,p,b); res[name].append(ms); codes.setdefault(name,set()).add(code)
ids=[]
for i in range(60):
    data=json.dumps(body(1000+i)).encode()
    req=urllib.request.Request(base+'/api/v1/works', data=data, method='POST', headers={'Authorization':'Bearer '+token,'Content-Type':'application/json'})
    with urllib.request.urlopen(req) as r: ids.append(json.loads(r.read())['id'])
for wid in ids:
    for name,(m,p,b) in [('POST api chapter',('POST',f'/api/v1/works/{wid}/chapters',{"body":"More."})),
                         ('POST api comment',('POST',f'/api/v1/works/{wid}/comments',{"chapter":1,"body":"Nice."})),
                         ('PATCH api work',('PATCH',f'/api/v1/works/{wid}',{"summary":"Changed."})),
                         ('DELETE api work',('DELETE',f'/api/v1/works/{wid}',None))]:
        ms,code=call(m,p,b); res[name].append(ms); codes.setdefault(name,set()).add(code)
for k,v in res.items():
    print(f"{k:30s} n={len(v):4d} p50={statistics.median(v):7.1f} ms p99={pct(v,0.99):7.1f} ms codes={sorted(codes.get(k,[]))}")
