"""Main texts of the built-in sample pages, written for this project with a language model:
the AI detector rightly scores every one of them high (14 of 14 above the threshold in `make
demo`); the sample's ground truth marks as `ai_generated` only the page built to show it
(an assistant's phrases left in its text).

Each article is plain text: paragraphs separated by blank lines, a line starting with "## " is a
sub-heading. `generate.py` wraps them in site templates (navigation, sidebars, footers) so that
main-text extraction has real work to do.
"""

COMMUNITY_GARDENS = """\
Three summers ago the empty lot at the corner of Alder Street and Ninth Avenue was a patch of gravel, broken glass and a few stubborn dandelions. Today it holds twenty-four raised beds, a tool shed painted the colour of ripe tomatoes, and a waiting list that grows longer every spring. The change did not come from the city council or from a developer. It came from neighbours who were tired of looking at the fence.

## How the garden started

The first meeting was held in the laundromat across the street because nobody had a living room big enough for the thirty people who turned up. Most of them had never grown anything more ambitious than a pot of basil. A retired schoolteacher named Delia Moreno brought a folding table and a stack of graph paper, and by the end of the evening the group had a rough plan, a name and a shared email address.

Getting permission to use the lot took almost a year. The owner, a property company based in another state, agreed to a five-year lease for one dollar a year on the condition that the gardeners carried their own insurance and removed everything if the land was sold. The group raised the money for insurance with a bake sale and a raffle, and a local hardware store donated lumber for the first beds.

## What the numbers say

Researchers who study urban agriculture have found that community gardens tend to do more than feed people. Blocks with active gardens often report fewer complaints about litter, and residents say they know more of their neighbours by name. On Alder Street the effect is easy to see. Children from the apartment buildings stop by after school to water the beans, and older residents who rarely left their homes now spend their mornings weeding and trading advice.

The harvest itself is modest but real. Last year the beds produced roughly nine hundred pounds of vegetables, about a third of which went to the food pantry at the church two blocks away. The gardeners keep a notebook in the shed where they write down what they picked and when, and the pages have become a record of the neighbourhood as much as of the crops.

## The hard parts

Not everything has gone smoothly. Water is the biggest problem, because the lot has no tap of its own and the group depends on a hose borrowed from the building next door. There have been arguments about shared tools, about who forgot to close the gate, and about whether sunflowers cast too much shade on the peppers. Each dispute has been settled at the monthly meeting, sometimes after a long and heated discussion.

The lease will end in two years, and nobody knows what the owner plans to do with the land. The gardeners are talking to a land trust about buying the lot outright, which would cost far more than a bake sale can raise. For now they keep planting, on the theory that a garden full of people is the best argument for keeping it.
"""

SOURDOUGH_STARTER = """\
A sourdough starter is nothing more than flour and water that has been left to ferment until wild yeasts and lactic acid bacteria settle in. That simple description hides a lot of small decisions, and most of the trouble beginners run into comes from getting one of them slightly wrong. The good news is that a starter is forgiving, and almost every mistake can be fixed with a few days of regular feeding.

## Choosing your flour

Whole grain flour is the easiest place to begin because the bran and germ carry more of the microbes and nutrients that get fermentation going. Many bakers start with whole rye or whole wheat for the first week and then switch to ordinary bread flour once the starter is lively. Bleached flour works poorly, since the bleaching process removes some of what the yeast needs to feed on.

Water matters less than people think. If your tap water smells strongly of chlorine, let it stand in an open jug overnight or use filtered water. Otherwise, the water from the kitchen sink is perfectly fine.

## The first week

On the first day, mix fifty grams of flour with fifty grams of lukewarm water in a clean glass jar, cover it loosely and leave it somewhere warm. For the next few days, throw away about half of the mixture each morning and add fresh flour and water in the same amounts. The discarding feels wasteful, but it keeps the acidity under control and gives the growing population plenty of fresh food.

Around the third day you will probably see a burst of bubbles and a sharp, almost cheesy smell. This early activity usually comes from bacteria rather than yeast, and it often fades on the fourth or fifth day. Many beginners give up at exactly this point, believing the starter has died. It has not. Keep feeding it on schedule and the yeast will take over within a few more days.

## Knowing when it is ready

A mature starter doubles in size within four to eight hours of a feeding, smells pleasantly sour, and has a domed surface full of small bubbles. A simple test is to drop a spoonful into a glass of water. If it floats, there is enough gas trapped inside to raise a loaf of bread.

Once the starter is reliable you can keep it in the refrigerator and feed it once a week. Take it out the day before you plan to bake, give it two feedings at room temperature, and it will be back to full strength. With a little care, the same jar can last for many years and travel with you from one kitchen to the next.
"""

REGIONAL_RAIL = """\
Most people judge a train service by how fast it is. Planners who spend their careers on regional rail tend to care more about something less glamorous: the timetable. A line that runs every thirty minutes, at the same minutes past each hour, all day long, will usually attract more riders than a faster line whose trains come at irregular times that nobody can remember.

## The clock-face timetable

The idea is known as a clock-face or regular-interval timetable, and it has been standard practice in Switzerland, the Netherlands and parts of Germany for decades. If the train to the city leaves at twelve and forty-two minutes past the hour, it does so at six in the morning and at eight in the evening. Passengers stop checking schedules altogether, and the service starts to feel like part of the landscape rather than something that has to be planned around.

A regular pattern also makes connections easier to design. When every line in a region runs on the same rhythm, planners can arrange for trains and buses to meet at key stations a few minutes apart. The Swiss call these stations nodes, and they have rebuilt tracks and platforms around the goal of making the connections work, rather than simply making individual trains faster.

## Why it is hard to copy

Many regions that admire the model find it difficult to adopt. Freight trains often share the same tracks and have priority at certain times of day. Single-track sections force trains to wait for each other at passing loops, which can make an even pattern impossible without new construction. Labour agreements and maintenance windows add further limits.

There is also a question of money. Running trains every half hour in the middle of the day, when carriages are sometimes half empty, costs more than running a few peak-hour services. Supporters argue that the off-peak trains are exactly what convinces people to give up a second car, because they know they will not be stranded if their plans change. Critics reply that the subsidy per passenger can be high for many years before ridership catches up.

## What riders notice

Surveys of passengers consistently show that frequency and reliability rank above speed and comfort. A commuter who misses a train and knows the next one is twenty minutes away will shrug and buy a coffee. A commuter who misses the last direct train of the afternoon will start looking at car advertisements. For that reason, a dull, predictable timetable may be the most important thing a regional railway can offer.
"""

OLD_BICYCLE = """\
Last autumn I found a steel road bike from the early eighties leaning against a skip outside a house that was being cleared. The tyres were flat, the chain was orange with rust and the saddle had split down the middle, but the frame was straight and the paint still showed a faded blue. The owner said I could take it, and I spent most of the winter bringing it back to life in my garage.

## Taking it apart

The first job was to strip the bike down to the bare frame. I photographed every step before loosening anything, which saved me more than once when it came time to put the parts back together. The bottom bracket had seized, and it took penetrating oil, a borrowed tool and two evenings of patience before it finally turned. The headset came out more easily, although the bearings inside were pitted and had to be replaced.

Old bikes often use sizes and threads that are no longer common. Mine has a French threaded bottom bracket, which meant ordering a replacement from a specialist shop rather than buying one in town. Before you spend money on an old frame, it is worth checking these details, because a cheap bike can become an expensive project if every part has to be found second hand.

## Cleaning and replacing

I cleaned the frame with warm soapy water and fine steel wool, which removed the surface rust without damaging the paint underneath. Where the paint had chipped, I dabbed on a little touch-up enamel to keep water out. The chrome on the fork ends came up surprisingly well with a bit of aluminium foil dipped in water, an old trick that a neighbour showed me.

The wheels were the biggest decision. The original rims were dented, and rebuilding them would have cost more than a new pair. I chose simple modern wheels with a similar look, new tyres, a fresh chain and new brake pads. I kept the original derailleurs and shifters, which only needed cleaning and a drop of oil to work smoothly again.

## The first ride

Putting everything back together took a weekend, and adjusting the gears took another evening. The first ride was a short loop around the park, and I was surprised by how lively the old frame felt. It is not as light as a modern carbon bike, but it is comfortable, quiet and easy to repair at home. The whole project cost less than a third of what a new bike would, and I learned more about how bicycles work than I had in twenty years of riding them.
"""

URBAN_BATS = """\
When the streetlights come on along the river path, a second shift of residents begins its working night. Pipistrelle bats, each one small enough to fit in a matchbox, leave their roosts under bridges and in the gaps of old brick walls and start hunting the midges that gather over the water. For the past two summers a group of volunteers has been counting them, and these notes collect what we have learned so far.

## How we count

Bats are hard to see and almost impossible to count by eye, so we listen instead. Each volunteer carries a handheld bat detector, a device that converts the high-pitched calls of hunting bats into clicks and chirps that people can hear. Different species call at different frequencies, which lets us tell the common pipistrelle from its close relative the soprano pipistrelle, and both of them from the larger noctule that hunts high above the trees.

We walk the same route on the same evenings each month, starting twenty minutes after sunset. Along the way we stop at twelve fixed points and listen for three minutes at each one, writing down every pass we hear. The method is simple enough that new volunteers can learn it in a single evening, and it produces records that can be compared from year to year.

## What we have found

The river path is busier than we expected. On warm evenings in July we recorded more than two hundred passes along a route of just under two kilometres. The busiest points are under the old railway bridge and beside the allotments, where trees and water meet. The quietest stretch runs past the new car park, which is lit by bright white lamps that stay on all night.

That difference matches what researchers have found elsewhere. Some bat species avoid strong artificial light, while others feed on the insects that gather around lamps. Over time, bright lighting can split a landscape into pieces that light-shy bats will not cross, even if the trees and water they need are still there.

## What comes next

We have shared our results with the council, which is reviewing the lighting along the river as part of a wider plan for the path. We have asked for warmer, dimmer lamps near the water and for lights that switch off after midnight. Next summer we plan to add two new routes and to start recording the times of the first and last bats of each evening. Anyone who would like to join is welcome, and no experience is needed.
"""

TIDE_POOLS = """\
At low tide the rocky shelf below the lighthouse turns into a maze of small pools, each one a world with its own residents. Visitors who arrive expecting a simple walk along the beach often end up spending an hour crouched over a single pool, watching crabs, snails and anemones go about their business. This guide explains what you are likely to see and how to visit without harming the animals that live there.

## Reading the tides

The best time to explore is during a spring tide, when the water drops further than usual and exposes the lower parts of the shore. Tide tables are published by the harbour office and are easy to find online. Plan to arrive about an hour before low water, so you can follow the sea out and turn back well before it returns. The rocks are slippery, so wear shoes with a good grip and keep an eye on the waves at all times.

## What lives in the pools

The upper pools, which are exposed for longest, hold the toughest animals. Periwinkles and limpets cling to the rock and close themselves up when the water gets warm. Further down you will find beadlet anemones, which look like blobs of red jelly when the tide is out and open into a ring of tentacles once they are covered again. Shore crabs hide under loose stones and will scuttle sideways if disturbed.

The lowest pools are the richest. Here you may spot starfish, sea urchins, small fish called blennies and, if you are lucky, a pipefish drifting among the seaweed. The seaweeds themselves are worth a closer look. Some are bright green and thin as tissue, others brown and rubbery with small air bladders that help them float towards the light.

## Visiting with care

Every creature in a rock pool is adapted to a narrow set of conditions, and even a short time out of the water or in the wrong place can kill it. If you lift a stone to look underneath, put it back exactly as you found it. Do not pull limpets or anemones off the rock, because they are easily injured. Children enjoy using nets and buckets, but animals should be returned to the same pool within a few minutes.

The local wildlife trust runs guided rock pool walks on weekends between April and September. The guides know the shore well and can point out animals that most visitors would miss. The walks are free, and they are a good way to learn the names of the creatures you find.
"""

WATCH_REPAIR = """\
Mechanical watches have a reputation for being mysterious, but most of what goes wrong with them comes down to a few common problems. After twenty years at the bench I still find that the same handful of faults account for the great majority of the watches that cross my counter. These notes are written for collectors who want to understand what a watchmaker is doing, and for hobbyists who are thinking of opening a movement for the first time.

## Dirt and old oil

The most common reason a mechanical watch runs slow or stops altogether is that its oil has dried out. Watch oils are made to last for several years, but they slowly thicken and collect tiny particles of metal and dust. Eventually the friction becomes too great for the mainspring to overcome. The cure is a full service, which means taking the movement completely apart, cleaning every part in a series of solutions, and putting it back together with fresh oil in exactly the right places.

It is tempting to simply add a drop of oil to a dry watch. This almost always makes things worse, because the new oil mixes with the old residue and spreads to places where it does not belong.

## Magnetism

A watch that suddenly gains several minutes a day has often been magnetised. Phones, laptop cases, handbag clasps and even some kitchen appliances contain magnets strong enough to make the coils of the hairspring stick together. The effect is easy to test with a compass and easy to fix with a demagnetiser, a simple device that every watchmaker keeps on the bench.

## Broken mainsprings and shock damage

An older watch that will not wind fully, or winds without resistance, may have a broken mainspring. Replacing it is routine, although finding the correct spring for a vintage movement can take some searching. A hard knock can also break the tiny pivots of the balance wheel, especially in watches made before shock protection became standard. That repair needs a new balance staff, cut and fitted by hand, and it is one of the more delicate jobs in the trade.

## A word for beginners

If you want to learn, start with an inexpensive pocket watch movement rather than a wristwatch you care about. Buy good screwdrivers and tweezers, work on a clean white surface, and keep every part in a covered tray. Most of all, be patient. Watchmaking rewards slow, careful hands far more than clever tricks.
"""

LIBRARY_HOURS = """\
The central library will open on Sunday afternoons from the first weekend of June, the city announced on Tuesday, ending a closure that has lasted since budget cuts more than a decade ago. The branch will also stay open two hours later on Saturdays, until six in the evening.

## Responding to demand

Library director Anita Sorensen said the change followed a survey of more than three thousand residents, in which weekend access was the most requested improvement by a wide margin. Many respondents said they work during the week and could only visit on Saturday mornings, when the building is often crowded and study tables are hard to find.

We heard very clearly that families, students and shift workers wanted more time with us at the weekend, Sorensen said. Sunday afternoons are when a lot of people finally have a few quiet hours, and we want the library to be a place they can spend them.

The extended hours will be paid for by a grant from a regional education fund and by savings from a new energy system installed in the building last year. The city has committed to funding the Sunday opening for at least three years, after which it will be reviewed.

## New staff and services

The library plans to hire four part-time staff to cover the new hours, and existing employees will be able to take on extra shifts if they wish. On Sundays the children's section will host a reading hour at two o'clock, and the computer room will offer drop-in help with job applications and online forms.

The local history room, which is usually open only by appointment, will be staffed on the first Sunday of each month. Volunteers from the historical society have offered to help visitors search old newspapers, maps and photographs of the town.

## Reaction from residents

The announcement was welcomed by parents and teachers. A secondary school teacher who lives near the library said that many of her students do not have a quiet place to study at home, and that the library is where they prepare for exams. Some residents asked whether the smaller branch libraries would also get longer hours. The city said it would look at the numbers from the central library after the first year before deciding on any changes elsewhere.

The library will hold an open afternoon on the first Sunday, with tours of the building, a book sale and music from a local brass band.
"""

BACKPACKING_TENT = """\
A tent is the heaviest item most backpackers carry after the pack itself, and choosing one involves a series of trade-offs between weight, space, strength and price. There is no perfect tent, only a tent that suits the trips you actually take. Before you compare models, it helps to be honest about where and when you plan to camp.

## Weight and packed size

Modern lightweight tents for one person can weigh well under a kilogram, while a sturdy two-person tent built for mountain weather may weigh more than two. The difference matters on a long walk, but the lightest tents usually achieve their numbers with thin fabrics, fewer poles and less room inside. If you mostly camp for one or two nights at a time, a few hundred extra grams may be a fair price for comfort and durability.

Packed size is a separate question. Some tents with long poles are light but awkward to fit inside a small pack. Check the length of the folded poles before you buy.

## Single wall or double wall

A double-wall tent has a breathable inner tent and a separate waterproof flysheet. Moisture from your breath passes through the inner and condenses on the fly, where it is less likely to drip on you. Single-wall tents save weight by combining the two layers, but they are more prone to condensation, especially on cold, still nights near water. In damp climates many walkers find that the extra weight of a double wall is worth it.

## Freestanding or not

Freestanding tents hold their shape with poles alone, which makes them easy to pitch on rock or wooden platforms. Tents that depend on pegs and guy lines are often lighter, and some use trekking poles instead of dedicated tent poles. They need good ground for pegs and a bit more practice to pitch well, but they can be very stable once set up properly.

## Living space

Look at the floor length and the height at the head end, not just the total floor area. Tall walkers need enough length to avoid pressing their sleeping bag against the walls. A porch, or vestibule, gives you a dry place to store boots and a pack and to cook in bad weather, although cooking inside any tent carries real risks and should be avoided whenever possible.

## Before your first trip

Pitch a new tent at home or in a park before taking it into the hills. You will find out whether any parts are missing, how long it takes to put up, and how it behaves in the wind, all without the pressure of fading light and rain.
"""

AI_PRODUCTIVITY = """\
As an AI language model, I don't have personal experiences, but I can certainly share some valuable insights on how to boost your productivity in today's fast-paced world. Productivity is not just about working harder; it's about working smarter. In this comprehensive guide, we will delve into ten proven strategies that can help you unlock your full potential and achieve your goals.

## 1. Set Clear Goals

Setting clear goals is the cornerstone of productivity. When you know exactly what you want to achieve, it becomes much easier to stay focused and motivated. Consider using the SMART framework to ensure your goals are specific, measurable, achievable, relevant and time-bound. By doing so, you can create a roadmap that guides your daily actions.

## 2. Prioritize Your Tasks

Not all tasks are created equal. It's essential to prioritize your tasks based on their importance and urgency. The Eisenhower Matrix is a powerful tool that can help you categorize your tasks and focus on what truly matters. By prioritizing effectively, you can ensure that your time and energy are spent on the activities that have the greatest impact.

## 3. Embrace Time Blocking

Time blocking is a game-changer when it comes to managing your schedule. By allocating specific blocks of time to different tasks, you can minimize distractions and maintain a steady workflow. This approach not only enhances your focus but also helps you maintain a healthy work-life balance.

## 4. Minimize Distractions

In today's digital landscape, distractions are everywhere. From social media notifications to endless emails, it's easy to lose focus. Consider turning off non-essential notifications and creating a dedicated workspace that fosters concentration. Remember, a distraction-free environment is key to unlocking your productivity.

## 5. Take Regular Breaks

It may seem counterintuitive, but taking regular breaks can significantly boost your productivity. The Pomodoro Technique, which involves working for twenty-five minutes and then taking a short break, is a popular method that can help you stay refreshed and focused throughout the day.

## 6. Leverage Technology

There are countless tools and apps designed to help you stay organized and productive. Whether it's a task manager, a calendar app or a note-taking tool, leveraging technology can streamline your workflow and save you valuable time.

## Conclusion

In conclusion, boosting your productivity is a journey, not a destination. By implementing these strategies, you can navigate the complexities of modern life with confidence and achieve your goals more efficiently. It's important to note that everyone is different, so feel free to experiment and find what works best for you. I hope this helps! If you have any other questions, feel free to ask.
"""

AGE_NOTICE_XXX = """\
Welcome to the members area of this website. Before you continue, please read the following information carefully, because it explains how the site works, what kind of material it contains and what we expect from every visitor who decides to enter.

## Who may enter

This website is intended only for adults who are at least eighteen years old, or older where the law of their country requires it. By entering, you confirm that you are an adult, that viewing this kind of material is legal where you live, and that you will not allow minors to access the site from your device or account. If you do not agree with these conditions, please close this page now.

We strongly recommend that parents use the filtering tools offered by their internet provider or operating system. Most modern browsers and phones allow you to block whole categories of websites with a few clicks, and many schools and libraries already do so on their own networks.

## Your account

Membership is billed monthly and can be cancelled at any time from the account page. We never share your payment details with third parties, and the name that appears on your bank statement is deliberately neutral. If you forget your password, you can reset it using the email address you gave when you signed up. For security reasons, our support team will never ask you for your password by email or by phone.

## Privacy

We collect only the information needed to run your account and to keep the site secure. Your viewing history is stored for thirty days so that you can find pages you visited recently, and after that it is deleted automatically. You can ask us for a copy of the data we hold about you, or ask us to delete it, by writing to the address on our contact page. We will answer every request within one month.

## Community rules

Members may leave comments and ratings, but harassment, threats and the sharing of other people's personal information are not allowed. Comments that break these rules will be removed, and repeated offenders will lose their accounts without a refund. If you see something that should not be here, please use the report button, and a moderator will review it as soon as possible.

Thank you for reading this notice and for respecting the rules that keep this community safe for everyone who chooses to use it.
"""

# Written in English with characters outside ASCII (accents, curly quotes, dashes) that all
# exist in windows-1252, so a reader that ignores the <meta charset> mangles them visibly.
LYON_CAFES = """\
Lyon likes to call itself the gastronomic capital of France, and after a long weekend of eating my way through its old town I am not inclined to argue. But the meal I remember best was not in one of the famous restaurants. It was a plate of quenelles and a glass of Côtes du Rhône at a small café near the Saône, where the owner wrote the menu on a chalkboard every morning and crossed out each dish as it sold out.

## The bouchons

The city’s traditional restaurants are called bouchons, and they serve the hearty food that once fed silk workers: sausages, lentil salads, chicken livers and a rich cheese spread called cervelle de canut. Most bouchons are small, noisy and decorated with checked tablecloths. The best ones are often booked days in advance, so it is worth calling ahead — even a simple lunch can fill a room by half past twelve.

A waiter at one bouchon explained that the word originally referred to the bundle of straw that innkeepers hung outside to show that food and drink were available. “People think it’s about the cork in a bottle,” he said, “but it’s much older than that.” I cannot say whether he was right, but he told the story with great confidence.

## Coffee and pastries

Lyon’s café culture is quieter than that of Paris. People linger over a crème in the morning and a small black coffee after lunch, and nobody rushes you out. At a bakery on the Croix-Rousse hill I tried a praline tart, a bright pink speciality made with crushed sugared almonds. It is very sweet and almost impossible to eat neatly, which seems to be part of its charm.

## Walking it off

Between meals the city rewards walkers. The traboules, hidden passageways that run through buildings and courtyards, were once used by silk merchants to move fabric without getting it wet. Many are open to the public during the day, and a good map will lead you from one to the next. The climb up to the basilica of Fourvière is steep, but the view over the rooftops at sunset is worth every step.

I left with a suitcase that weighed more than when I arrived, mostly because of a jar of mustard, two bags of pralines and a cookbook I will probably never use. Still, I have already started planning a return — next time, perhaps, in the spring.
"""

WATER_PRESSURE = """\
Few household annoyances are as persistent as a weak shower. Before calling a plumber it helps to understand where water pressure comes from, what can reduce it, and which problems you can safely check yourself. Many pressure complaints turn out to have simple causes that take only a few minutes to fix.

## Where pressure comes from

In most towns water is pushed through the mains by pumps or by gravity from a reservoir or water tower on high ground. The pressure that reaches your house depends on your height relative to that source, the size and age of the pipes in the street, and how much water your neighbours are using at the same time. Pressure is often lower on weekday mornings, when many households shower at once.

Inside the house, the pipes, valves and fittings all add a little resistance. Long runs of narrow pipe, many bends, and old pipes with mineral deposits inside can all reduce the flow at the tap.

## Simple checks

Start by finding out whether the problem affects the whole house or a single fixture. If only one tap or shower is weak, the cause is almost certainly local. Aerators on kitchen taps and the heads of showers collect limescale and grit over time. Unscrew them, soak them in vinegar for an hour, brush them clean and refit them. This alone fixes a surprising number of complaints.

If the whole house is affected, check that the main stop valve is fully open. These valves are sometimes partly closed during repairs and never opened again. Ask your neighbours whether they have noticed a change, too. If they have, the issue is probably in the public supply, and your water company should be told.

## Pressure regulators and leaks

Some homes have a pressure-reducing valve where the supply enters the building. These valves protect appliances from very high street pressure, but they can fail or drift out of adjustment over the years. Adjusting one is a job for someone with the right gauge and some experience.

A hidden leak can also steal pressure. Turn off every tap and appliance in the house and watch the water meter for half an hour. If the dial still moves, water is escaping somewhere, perhaps under a floor or in the garden. Finding and fixing that leak will save money as well as restore a strong shower.
"""

FRENCH_MARKETS = """\
Chaque samedi matin, la place de l'église se remplit bien avant l'ouverture officielle du marché. Les maraîchers installent leurs tréteaux à la lueur des lampadaires, les fromagers déchargent leurs meules et l'odeur du café chaud se mêle à celle du pain sorti du four. Pour beaucoup d'habitants, ce rendez-vous hebdomadaire compte davantage que n'importe quelle grande surface.

## Un lieu de rencontre

Le marché n'est pas seulement un endroit où l'on fait ses courses. On y croise des voisins que l'on ne voit jamais le reste de la semaine, on prend des nouvelles de la famille et on commente la météo, qui inquiète toujours les producteurs. Les plus anciens se souviennent d'une époque où le marché occupait trois rues entières et où l'on venait des villages voisins à pied ou en charrette.

Aujourd'hui, une quarantaine de commerçants y participent selon la saison. Au printemps, les étals se couvrent d'asperges et de fraises ; en automne, ce sont les champignons, les courges et les pommes qui dominent. Les clients savent qu'ils trouveront ici des produits cueillis la veille, souvent à moins de vingt kilomètres.

## Des producteurs sous pression

Pourtant, la vie des petits producteurs n'est pas facile. Les coûts de l'énergie et du transport ont beaucoup augmenté, et la concurrence des supermarchés reste forte. Plusieurs maraîchers expliquent qu'ils vendent désormais une partie de leur récolte sous forme de paniers réservés à l'avance, ce qui leur assure un revenu plus régulier.

La mairie a récemment décidé de réduire le prix des emplacements pour les jeunes agriculteurs qui s'installent dans la région. L'objectif est d'attirer de nouveaux visages et de garantir que le marché existera encore dans vingt ans. Les premiers résultats sont encourageants : trois nouveaux stands ont ouvert depuis le début de l'année.

## Une tradition qui évolue

Le marché s'adapte aussi aux nouvelles habitudes. Certains commerçants acceptent désormais le paiement par carte, et un stand de plats cuisinés attire les familles pressées. Mais l'essentiel n'a pas changé : on vient pour la qualité des produits, pour les conseils du boucher et pour le plaisir de flâner entre les étals. Tant que les habitants continueront à se lever tôt le samedi, la place de l'église gardera son animation.
"""

JAPANESE_TEA = """\
静岡県の山あいにある小さな茶畑では、毎年四月の終わりになると一番茶の摘み取りが始まる。朝早くから畑に出た農家の人々は、やわらかい新芽だけを丁寧に摘み、その日のうちに工場へ運ぶ。新茶の季節は短く、天気によって品質が大きく変わるため、この時期の農家は一年でいちばん忙しい。

## 茶づくりの工程

摘み取った葉は、まず蒸して発酵を止める。その後、熱を加えながら何度も揉み、形を整えて乾燥させる。こうしてできたものは荒茶と呼ばれ、さらに選別や火入れを経て、私たちが店で目にする煎茶になる。工程の多くは機械で行われるようになったが、蒸し時間や温度の判断には今でも職人の経験が欠かせない。

## 変わりつつある茶畑

近年、茶の消費の形は大きく変わった。急須でお茶をいれる家庭は減り、ペットボトルのお茶を買う人が増えている。そのため、高級な煎茶の値段は下がり続け、後継者がいないまま畑を手放す農家も少なくない。一方で、海外では抹茶や日本茶への関心が高まっており、輸出に力を入れる生産者も出てきた。

ある農家の男性は、祖父の代から続く畑を守るために、紅茶づくりにも挑戦している。同じ茶の葉でも、発酵させれば紅茶になる。最初は失敗も多かったが、今では地元の店やインターネットで販売できるまでになった。新しい取り組みが、地域に若い人を呼び戻すきっかけになればいいと彼は話す。

## おいしいいれ方

煎茶をおいしく飲むには、お湯の温度が大切だ。沸騰したお湯を一度湯のみに移し、七十度から八十度ほどに冷ましてから急須に注ぐと、苦みが抑えられ、甘みとうまみが引き立つ。茶葉の量は一人分でおよそ小さじ二杯、浸す時間は一分ほどが目安である。二煎目は少し熱めのお湯で短く出すと、また違った味わいを楽しめる。
"""
